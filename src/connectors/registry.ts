import type { ConnectorFactory, ConnectorType } from './types.ts';

/**
 * The explicit registry of connector types (STYLE 4): a new connector does not compile until it is
 * listed. The entry point passes the real map (connectors/index.ts); src/ never imports a cloud SDK.
 */
export type ConnectorRegistry = Record<ConnectorType, ConnectorFactory<unknown>>;
