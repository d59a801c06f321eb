import type { SupergraphDefinition } from '../corpus';
import { BANK_OPERATIONS, BANK_RISK_DOWN_OPERATIONS } from '../operations/bank';
import { MEDIA_OPERATIONS } from '../operations/media';
import { SHOP_OPERATIONS } from '../operations/shop';
import { BANK_SUBGRAPHS } from './bank';
import { MEDIA_SUBGRAPHS } from './media';
import { SHOP_SUBGRAPHS } from './shop';

export const SHOP: SupergraphDefinition = {
  name: 'shop',
  summary: 'catalog, inventory, reviews and accounts: keys, chains, @requires, @provides, errors on list items',
  subgraphs: SHOP_SUBGRAPHS,
  operations: SHOP_OPERATIONS,
};

export const MEDIA: SupergraphDefinition = {
  name: 'media',
  summary: 'titles, people, ratings and streaming: entity interfaces, @interfaceObject, @override, unions',
  subgraphs: MEDIA_SUBGRAPHS,
  operations: MEDIA_OPERATIONS,
};

export const BANK: SupergraphDefinition = {
  name: 'bank',
  summary: 'customers, ledger and risk: compound keys, @requires, null propagation, mutations',
  subgraphs: BANK_SUBGRAPHS,
  operations: BANK_OPERATIONS,
};

export const SUPERGRAPHS: SupergraphDefinition[] = [SHOP, MEDIA, BANK];

/** The bank with its risk subgraph stopped: the subgraph to stop and what to ask meanwhile. */
export const BANK_WITH_RISK_DOWN = { supergraph: BANK, stopped: 'risk', operations: BANK_RISK_DOWN_OPERATIONS };
