/** Assessments of traces (feedback and expectations): create, get, update, delete. */
import { traces } from '@keel/contract';
import { assessmentInputOf, updateFieldsOf } from '../../tracing/assessment-input.js';
import { bind } from '../handler.js';

export const assessmentRoutes = [
  bind(traces.createAssessment, async (req, { deps }) => ({
    assessment: await deps.traces.createAssessment(req.trace_id, assessmentInputOf(req.assessment)),
  })),
  bind(traces.getAssessment, async (req, { deps }) => ({
    assessment: await deps.traces.getAssessment(req.trace_id, req.assessment_id),
  })),
  bind(traces.updateAssessment, async (req, { deps }) => ({
    assessment: await deps.traces.updateAssessment(
      req.trace_id,
      req.assessment_id,
      assessmentInputOf(req.assessment),
      updateFieldsOf(req.update_mask),
    ),
  })),
  bind(traces.deleteAssessment, async (req, { deps }) => {
    await deps.traces.deleteAssessment(req.trace_id, req.assessment_id);
    return {};
  }),
];
