import type { CorpusOperation } from '../corpus';

/** Operations on the bank supergraph (customers, ledger, risk), all subgraphs up. */
export const BANK_OPERATIONS: CorpusOperation[] = [
  // Customers and accounts
  {
    name: 'a customer with address and a null email',
    covers: ['nullable null'],
    query: `{ customer(id: "c1") { id name segment since email address { street city country postcode } } }`,
  },
  {
    name: 'a customer without an address',
    covers: ['nullable null'],
    query: `{ customer(id: "c6") { name email address { city } } }`,
  },
  {
    name: 'an unknown customer is null',
    covers: ['entity resolves to null'],
    query: `{ customer(id: "c99") { name accounts { iban } } }`,
  },
  {
    name: 'customers of one segment',
    covers: ['enum arguments'],
    query: `{ customers(segment: BUSINESS) { id name segment } }`,
  },
  {
    name: "a customer's accounts from the ledger",
    covers: ['single @key', 'entity chain'],
    query: `{ customer(id: "c2") { name accounts { iban kind nickname balance { amount currency } } } }`,
  },
  {
    name: 'a risk score that requires the balance',
    covers: ['@requires', '@requires nested field', '@external', '@shareable'],
    query: `{ account(iban: "NL14INGB0001031676") { iban balance { amount currency } riskScore flags } }`,
  },
  {
    name: 'risk scores and flags of every account without asking the balance',
    covers: ['@requires', '@requires nested field', 'large list'],
    query: `{ accounts { iban riskScore flags } }`,
  },
  {
    name: 'an account by bank code and number at the root',
    covers: ['compound @key'],
    query: `{ accountByNumber(bankCode: "INGB", number: "0001063352") { iban kind holder { name } } }`,
  },
  {
    name: "a customer's primary account through the compound key, then risk by iban",
    covers: ['compound @key', 'multiple @keys', 'entity chain', '@requires'],
    query: `{ customer(id: "c1") { name primaryAccount { iban bankCode number kind balance { amount currency } riskScore } } }`,
  },
  {
    name: 'primary accounts of every customer through the compound key',
    covers: ['compound @key', 'multiple @keys', 'large list'],
    query: `{ customers { id primaryAccount { iban number riskScore flags } } }`,
  },
  {
    name: 'savings accounts with their holders',
    covers: ['enum arguments', 'entity chain'],
    query: `{ accounts(kind: SAVINGS) { iban holder { name segment since } } }`,
  },
  {
    name: 'cosigners: present, absent, and gone from the bank',
    covers: ['entity not found', 'nullable null', 'large list'],
    query: `{ accounts { iban cosigner { id name } } }`,
  },
  {
    name: 'a cosigner who left the bank',
    covers: ['entity not found'],
    query: `{ account(iban: "NL15BANK0001039595") { iban cosigner { id name segment } } }`,
  },
  {
    name: 'a cosigner who left the bank, only the id the ledger holds',
    covers: [],
    query: `{ account(iban: "NL15BANK0001039595") { iban cosigner { id } } }`,
  },
  {
    name: 'transactions with nullable memos and counterparties',
    covers: ['nullable null', 'entity chain'],
    query: `{ account(iban: "NL11BANK0001007919") { transactions(first: 8) { id amount { amount currency } direction bookedOn memo counterparty { iban holder { name } } } } }`,
  },
  {
    name: 'transactions aliased by direction',
    covers: ['aliases', 'aliases with different arguments', 'enum arguments'],
    query: `{ account(iban: "NL16INGB0001047514") { incoming: transactions(direction: IN) { id amount { amount } } outgoing: transactions(direction: OUT, first: 2) { id amount { amount } } latest: transactions(first: 1) { id } } }`,
  },
  {
    name: 'accounts grouped by kind as nested lists, scored by risk',
    covers: ['nested lists of entities', '@requires'],
    query: `{ customer(id: "c2") { accountsByKind { iban kind riskScore } } }`,
  },
  {
    name: 'every customer with accounts grouped by kind and their holders',
    covers: ['nested lists of entities', 'large list', 'entity chain'],
    query: `{ customers { id accountsByKind { iban holder { name } } } }`,
  },
  {
    name: 'total balances of business customers',
    covers: ['enum arguments', 'single @key'],
    query: `{ customers(segment: BUSINESS) { name totalBalance { amount currency } } }`,
  },
  {
    name: "a customer's credit checks, all answered",
    covers: ['entity chain', 'nullable null'],
    query: `{ customer(id: "c7") { name accounts { iban creditCheck { score band bureau } } } }`,
  },
  {
    name: 'risk of the counterparties of a transaction list',
    covers: ['entity chain', '@requires', 'nullable null'],
    query: `{ account(iban: "NL11BANK0001007919") { transactions(first: 8) { id counterparty { iban riskScore flags holder { name segment } } } } }`,
  },
  {
    name: 'an account by its compound key from variables, with its holder',
    covers: ['compound @key', 'entity chain'],
    query: `query ByNumber($bankCode: String!, $number: String!) { accountByNumber(bankCode: $bankCode, number: $number) { iban kind holder { name address { city } primaryAccount { iban } } } }`,
    variables: { bankCode: 'BANK', number: '0001134623' },
  },
  {
    name: "a holder's contact details behind an @include variable default",
    covers: ['@include', 'directive variables', 'variable defaults'],
    query: `query ($contact: Boolean = false) { account(iban: "NL18INGB0001063352") { iban holder { name email @include(if: $contact) address @include(if: $contact) { city } } } }`,
  },
  // Errors and nulls
  {
    name: 'a non-null KYC status failing with a code nulls the customer',
    covers: ['error with code', 'null propagation'],
    query: `{ customer(id: "c3") { name kycStatus } }`,
    expectErrors: true,
  },
  {
    name: 'a non-null KYC status failing without a code nulls the customer',
    covers: ['error without code', 'null propagation'],
    query: `{ customer(id: "c7") { name kycStatus } }`,
    expectErrors: true,
  },
  {
    name: 'a nullable screening field failing without a code',
    covers: ['error without code', 'nullable null'],
    query: `{ customer(id: "c4") { name politicallyExposed kycStatus } }`,
    expectErrors: true,
  },
  {
    name: 'screening of every customer, failing for one',
    covers: ['errors on list items', 'error without code'],
    query: `{ customers { id politicallyExposed } }`,
    expectErrors: true,
  },
  {
    name: 'KYC of every customer: null propagates through non-null lists to data',
    covers: ['null propagation', 'errors on list items'],
    query: `{ customers { id kycStatus } }`,
    expectErrors: true,
  },
  {
    name: 'KYC status of the customers that have one',
    covers: ['enum arguments', 'single @key'],
    query: `{ customers(segment: BUSINESS) { id kycStatus politicallyExposed } }`,
  },
  {
    name: 'credit checks of every account: codes, nulls and a propagated null',
    covers: ['errors on list items', 'error with code', 'null propagation', 'nullable null'],
    query: `{ accounts { iban creditCheck { score band bureau } } }`,
    expectErrors: true,
  },
  {
    name: 'a credit check whose non-null score is null',
    covers: ['null propagation'],
    query: `{ account(iban: "NL13BANK0001023757") { iban creditCheck { score band } } }`,
    expectErrors: true,
  },
  {
    name: 'a credit check failing with CREDIT_BUREAU_DOWN',
    covers: ['error with code'],
    query: `{ account(iban: "NL12INGB0001015838") { iban kind creditCheck { band } } }`,
    expectErrors: true,
  },
  {
    name: 'an unknown account is null',
    covers: ['entity resolves to null'],
    query: `{ account(iban: "NL00NONE0000000000") { iban riskScore } accountByNumber(bankCode: "NONE", number: "1") { iban } }`,
  },
  // Alerts and chains
  {
    name: 'alerts from risk to the ledger to customers',
    covers: ['entity chain', '@requires'],
    query: `{ alerts { id severity reason account { iban balance { amount currency } riskScore holder { name } } } }`,
  },
  {
    name: 'alerts above a severity from a variable default',
    covers: ['variable defaults', 'enum arguments'],
    query: `query Alerts($min: Severity = HIGH) { alerts(minSeverity: $min) { id severity account { kind } } }`,
  },
  {
    name: 'alerts above a severity from a variable',
    covers: ['variable defaults', 'enum arguments'],
    query: `query Alerts($min: Severity = HIGH) { alerts(minSeverity: $min) { id severity account { kind } } }`,
    variables: { min: 'MEDIUM' },
  },
  {
    name: 'a chain from alerts through holders, accounts, counterparties and back to risk',
    covers: ['deep nesting', 'entity chain', 'compound @key'],
    query: `{ alerts(minSeverity: HIGH) { id account { holder { name accounts { iban transactions(first: 2) { id counterparty { iban holder { name primaryAccount { number riskScore } } } } } } } } }`,
  },
  {
    name: "a holder's other accounts, three hops",
    covers: ['entity chain', 'deep nesting'],
    query: `{ account(iban: "NL26INGB0001126704") { holder { name accounts { iban kind holder { id accounts { number } } } } } }`,
  },
  // Operation shapes
  {
    name: 'the same account by both keys, aliased',
    covers: ['aliases', 'aliases with different arguments', 'multiple @keys'],
    query: `{ byIban: account(iban: "NL18INGB0001063352") { iban riskScore } byNumber: accountByNumber(bankCode: "INGB", number: "0001063352") { iban riskScore } }`,
  },
  {
    name: 'named fragments on accounts and money',
    covers: ['named fragments'],
    query: `
      query Summary { customer(id: "c5") { name accounts { ...AccountSummary } totalBalance { ...Amount } } }
      fragment AccountSummary on Account { iban kind balance { ...Amount } flags }
      fragment Amount on Money { amount currency }
    `,
  },
  {
    name: 'inline fragments on accounts',
    covers: ['inline fragments'],
    query: `{ account(iban: "NL19BANK0001071271") { ... on Account { iban } ... { kind riskScore } holder { ... on Customer { name } } } }`,
  },
  {
    name: '__typename at every level, root included',
    covers: ['__typename', 'root __typename'],
    query: `{ __typename customer(id: "c7") { __typename accounts { __typename balance { __typename } creditCheck { __typename } transactions(first: 2) { __typename counterparty { __typename } } } } }`,
  },
  {
    name: '@skip and @include from variables: risk in, transactions out',
    covers: ['@skip', '@include', 'directive variables'],
    query: `query ($withRisk: Boolean!, $skipTransactions: Boolean!) { account(iban: "NL31BANK0001166299") { iban riskScore @include(if: $withRisk) flags @include(if: $withRisk) transactions @skip(if: $skipTransactions) { id } } }`,
    variables: { withRisk: true, skipTransactions: true },
  },
  {
    name: '@skip and @include from variables: risk out, transactions in',
    covers: ['@skip', '@include', 'directive variables'],
    query: `query ($withRisk: Boolean!, $skipTransactions: Boolean!) { account(iban: "NL31BANK0001166299") { iban riskScore @include(if: $withRisk) flags @include(if: $withRisk) transactions @skip(if: $skipTransactions) { id } } }`,
    variables: { withRisk: false, skipTransactions: false },
  },
  {
    name: '@skip and @include literals on entity fields',
    covers: ['@skip', '@include'],
    query: `{ customer(id: "c8") { name @include(if: false) segment @skip(if: false) accounts @include(if: true) { iban riskScore @skip(if: true) kind } } }`,
  },
  {
    name: 'a page size from a variable left to its default',
    covers: ['variable defaults'],
    query: `query ($first: Int = 3, $kind: AccountKind) { accounts(first: $first, kind: $kind) { iban kind } }`,
  },
  {
    name: 'every account with everything every subgraph knows',
    covers: ['large list', 'entity chain', '@requires'],
    query: `{ accounts(first: 50) { iban bankCode number kind nickname balance { amount currency } riskScore flags holder { name segment } transactions { id amount { amount } direction } } }`,
  },
  // Mutations
  {
    name: 'a mutation setting a nickname, read back with risk fields',
    covers: ['mutation', '@requires'],
    query: `mutation { setNickname(iban: "NL17BANK0001055433", nickname: "Holiday fund") { iban nickname riskScore holder { name } } }`,
  },
  {
    name: 'a mutation clearing a nickname from a null variable',
    covers: ['mutation', 'nullable null'],
    query: `mutation Clear($iban: ID!, $nickname: String) { setNickname(iban: $iban, nickname: $nickname) { iban nickname } }`,
    variables: { iban: 'NL13BANK0001023757', nickname: null },
  },
  {
    name: 'a mutation previewing a transfer from an inline input with defaults',
    covers: ['mutation', 'input objects', 'entity chain'],
    query: `mutation { previewTransfer(input: { from: "NL11BANK0001007919", to: "NL18INGB0001063352", amount: { amount: 12500 } }) { from { iban riskScore } to { holder { name } } amount { amount currency } fee { amount currency } reference memo } }`,
  },
  {
    name: 'a mutation previewing a transfer from a nested input variable',
    covers: ['mutation', 'input objects', 'enum arguments'],
    query: `mutation Preview($input: TransferInput!) { previewTransfer(input: $input) { from { iban holder { name } } amount { amount currency } fee { amount currency } reference memo } }`,
    variables: { input: { from: 'NL13BANK0001023757', to: 'NL11BANK0001007919', amount: { amount: 99_900, currency: 'USD' }, memo: 'Invoice 42', reference: 'INV-42' } },
  },
  {
    name: 'a mutation previewing a transfer to an unknown account',
    covers: ['mutation', 'entity resolves to null'],
    query: `mutation { previewTransfer(input: { from: "NL11BANK0001007919", to: "XX00UNKNOWN", amount: { amount: 1, currency: GBP } }) { from { iban } to { iban } fee { amount } } }`,
  },
  {
    name: 'a mutation replacing an address, default country from the input type',
    covers: ['mutation', 'input objects'],
    query: `mutation Move($id: ID!, $address: AddressInput!) { updateAddress(customerId: $id, address: $address) { name address { street city country postcode } accounts { iban } } }`,
    variables: { id: 'c9', address: { street: '1 Dam Square', city: 'Amsterdam' } },
  },
  {
    name: 'two mutations in one operation, aliased',
    covers: ['mutation', 'aliases'],
    query: `mutation { a: setNickname(iban: "NL33BANK0001182137", nickname: "Mortgage") { nickname } b: setNickname(iban: "NL33BANK0001182137", nickname: "House") { nickname flags } }`,
  },
  {
    name: 'a mutation with root __typename',
    covers: ['mutation', 'root __typename'],
    query: `mutation { __typename setNickname(iban: "NL34INGB0001190056", nickname: "Daily") { __typename nickname } }`,
  },
  // Introspection
  {
    name: '__type of an entity with two keys',
    covers: ['introspection'],
    query: `{ __type(name: "Account") { name kind fields { name args { name defaultValue } type { kind name ofType { kind name } } } } }`,
  },
  {
    name: '__type of input types with defaults',
    covers: ['introspection', 'aliases'],
    query: `{ transfer: __type(name: "TransferInput") { inputFields { name defaultValue } } money: __type(name: "MoneyInput") { inputFields { name defaultValue type { kind name } } } }`,
  },
];

/**
 * Operations sent while the risk subgraph is stopped: every gateway must
 * degrade the same way, keeping what the other subgraphs answered.
 */
export const BANK_RISK_DOWN_OPERATIONS: CorpusOperation[] = [
  {
    name: 'an account whose non-null risk score cannot be fetched',
    covers: ['dead subgraph', 'null propagation'],
    query: `{ account(iban: "NL14INGB0001031676") { iban balance { amount } riskScore } }`,
    expectErrors: true,
  },
  {
    name: 'a nullable credit check of a dead subgraph',
    covers: ['dead subgraph', 'nullable null'],
    query: `{ account(iban: "NL11BANK0001007919") { iban kind creditCheck { score } } }`,
    expectErrors: true,
  },
  {
    name: 'a root field of a dead subgraph',
    covers: ['dead subgraph'],
    query: `{ alerts { id account { iban } } }`,
    expectErrors: true,
  },
  {
    name: 'a root field of a dead subgraph beside a live one',
    covers: ['dead subgraph', 'aliases'],
    query: `{ alerts { id } alive: customer(id: "c1") { name } }`,
    expectErrors: true,
  },
  {
    name: 'customers with a dead subgraph field deep in a list',
    covers: ['dead subgraph', 'errors on list items'],
    query: `{ customers(segment: BUSINESS) { name accounts { iban flags } } }`,
    expectErrors: true,
  },
  {
    name: 'a KYC status of a dead subgraph',
    covers: ['dead subgraph', 'null propagation'],
    query: `{ customer(id: "c1") { name kycStatus } }`,
    expectErrors: true,
  },
  {
    name: 'an operation that needs only live subgraphs',
    covers: ['entity chain'],
    query: `{ customer(id: "c2") { name accounts { iban balance { amount currency } } } }`,
  },
  {
    name: 'a mutation whose answer needs the dead subgraph',
    covers: ['dead subgraph', 'mutation'],
    query: `mutation { setNickname(iban: "NL16INGB0001047514", nickname: "Emergency") { nickname riskScore } }`,
    expectErrors: true,
  },
];
