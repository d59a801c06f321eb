/** The payments subgraph process: `node dist/subgraphs/payments/main.js` (PORT, HOST, REDIS_URL, LOG_LEVEL, NODE_ENV). */
import { runSubgraphProcess } from '../shared/process';
import { startPaymentsSubgraph } from './service';

void runSubgraphProcess('payments', startPaymentsSubgraph);
