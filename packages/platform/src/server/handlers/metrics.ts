/** Metric history endpoints (tracking-api.md §7, the UI's bulk route and Keel's bucketed history). */
import { invalidParameter, toNumber, tracking } from '@keel/contract';
import { bind, pageResponse } from '../handler.js';

export const metricRoutes = [
  bind(tracking.getMetricHistory, async (req, { deps }) =>
    pageResponse('metrics', await deps.tracking.getMetricHistory(req.run_id, req.metric_key, req)),
  ),
  bind(tracking.getMetricHistoryBulkInterval, async (req, { deps }) => {
    const metrics = await deps.tracking.getMetricHistoryBulkInterval(req);
    return metrics.length > 0 ? { metrics: [...metrics] } : {};
  }),
  bind(tracking.getMetricBuckets, async (req, { deps }) => {
    const { start, end, ...rest } = req;
    const page = await deps.tracking.getMetricBuckets({
      ...rest,
      ...(start === undefined ? {} : { start: toNumber(start) }),
      ...(end === undefined ? {} : { end: toNumber(end) }),
    });
    return { ...page, series: [...page.series] };
  }),
  bind(tracking.getMetricHistoryBulk, async (req, { deps }) => {
    if (req.run_id === undefined || req.run_id.length === 0) {
      throw invalidParameter('GetMetricHistoryBulk request must specify at least one run_id.');
    }
    if (req.metric_key === undefined || req.metric_key === '') {
      throw invalidParameter('GetMetricHistoryBulk request must specify a metric_key.');
    }
    const metrics = await deps.tracking.getMetricHistoryBulk(req.run_id, req.metric_key, req.max_results);
    return metrics.length > 0 ? { metrics: [...metrics] } : {};
  }),
];
