/** The prompt lab's endpoints (docs/compat/promptlab.md). */
import { promptlab } from '@keel/contract';
import { checkPromptlabRequest, createPromptlabRun } from '../../genai/promptlab-run.js';
import { bind } from '../handler.js';

export const promptlabRoutes = [
  bind(promptlab.createPromptlabRun, async (req, { deps }) => ({
    run: await createPromptlabRun(deps, checkPromptlabRequest(req)),
  })),
  // MLflow answers this before looking at the request when no deployments target is set.
  bind(promptlab.gatewayProxy, async () => ({ endpoints: [] })),
];
