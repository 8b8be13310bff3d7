/** Keel's own version. */
export const KEEL_VERSION = '0.1.0';

/**
 * What `/version` answers. MLflow clients (>= 3.4) parse it as a PEP 440 version to decide which
 * features the server has, so Keel reports the MLflow release whose protocol it implements.
 */
export const MLFLOW_COMPAT_VERSION = '3.6.0';
