/** The products subgraph process: `node dist/subgraphs/products/main.js` (PORT, HOST, REDIS_URL, LOG_LEVEL, NODE_ENV). */
import { runSubgraphProcess } from '../shared/process';
import { startProductsSubgraph } from './service';

void runSubgraphProcess('products', startProductsSubgraph);
