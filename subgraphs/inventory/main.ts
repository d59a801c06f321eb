/** The inventory subgraph process: `node dist/subgraphs/inventory/main.js` (PORT, HOST, REDIS_URL, LOG_LEVEL, NODE_ENV). */
import { runSubgraphProcess } from '../shared/process';
import { startInventorySubgraph } from './service';

void runSubgraphProcess('inventory', startInventorySubgraph);
