import { GraphQLError } from 'graphql';
import type { SubgraphDefinition } from '../corpus';

/**
 * A bank: customers, a ledger of accounts (keyed by IBAN and by bank code
 * and number) with their transactions, and a risk service that scores
 * accounts from their balance and screens customers.
 */

const CUSTOMER_NAMES = [
  'Anouk de Vries', 'Bram Jansen', 'Chloé Martin', 'Dario Rossi', 'Elif Yilmaz', 'Finn Murphy',
  'Greta Schulz', 'Hugo Lambert', 'Isla Novak', 'Jamal Haddad', 'Kaja Nowak', 'Lars Eriksen',
];
const SEGMENTS = ['RETAIL', 'PRIVATE', 'BUSINESS'];
const KINDS = ['CHECKING', 'SAVINGS', 'LOAN'];
const MEMOS = ['Groceries', 'Rent', null, 'Salary', 'Train tickets', null, 'Coffee', 'Insurance'];

interface LedgerAccount {
  n: number;
  iban: string;
  bankCode: string;
  number: string;
  kind: string;
  balance: { amount: number; currency: string };
  holderId: string;
  cosignerId: string | null;
}

/** 24 accounts: customer k holds (k mod 3) + 1 of them. Shared by the ledger, risk and customers subgraphs. */
function bankAccounts(): LedgerAccount[] {
  const accounts: LedgerAccount[] = [];
  for (let k = 1; k <= CUSTOMER_NAMES.length; k++) {
    for (let j = 0; j <= k % 3; j++) {
      const n = accounts.length + 1;
      const bankCode = n % 2 === 1 ? 'BANK' : 'INGB';
      const number = String(1_000_000 + n * 7_919).padStart(10, '0');
      accounts.push({
        n,
        iban: `NL${String(10 + n).padStart(2, '0')}${bankCode}${number}`,
        bankCode,
        number,
        kind: KINDS[j],
        balance: { amount: ((n * 104_729) % 600_000) - (j === 2 ? 450_000 : 60_000), currency: n % 6 === 5 ? 'GBP' : n % 4 === 3 ? 'USD' : 'EUR' },
        holderId: `c${k}`,
        cosignerId: j === 1 ? `c${((k + 4) % CUSTOMER_NAMES.length) + 1}` : n % 5 === 0 ? 'c99' : null,
      });
    }
  }
  return accounts;
}

const customers: SubgraphDefinition = {
  name: 'customers',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])

    enum Segment { RETAIL PRIVATE BUSINESS }

    type Customer @key(fields: "id") {
      id: ID!
      name: String!
      segment: Segment!
      since: Int!
      email: String
      "Null for c6, who has no fixed address."
      address: Address
      "Referenced by the ledger's second key."
      primaryAccount: Account
    }

    type Address { street: String! city: String! country: String! postcode: String }

    type Account @key(fields: "bankCode number", resolvable: false) {
      bankCode: String!
      number: String!
    }

    input AddressInput { street: String! city: String! country: String! = "NL" postcode: String }

    type Query {
      customer(id: ID!): Customer
      customers(segment: Segment): [Customer!]!
    }

    type Mutation {
      "Replaces the address; sending it twice answers the same."
      updateAddress(customerId: ID!, address: AddressInput!): Customer
    }
  `,
  createResolvers() {
    const accounts = bankAccounts();
    const all = CUSTOMER_NAMES.map((name, i) => {
      const k = i + 1;
      return {
        id: `c${k}`,
        name,
        segment: SEGMENTS[k % 3],
        since: 1998 + k,
        email: k % 2 === 0 ? `${name.split(' ')[0].toLowerCase()}@mail.test` : null,
        address: k === 6 ? null : { street: `${k * 11} Canal Street`, city: ['Amsterdam', 'Utrecht', 'Rotterdam', 'Lyon'][k % 4], country: k % 4 === 3 ? 'FR' : 'NL', postcode: k % 3 === 0 ? null : `${1000 + k * 37} AB` },
      };
    });
    const find = (id: string) => all.find((c) => c.id === id) ?? null;
    return {
      Query: {
        customer: (_: unknown, { id }: { id: string }) => find(id),
        customers: (_: unknown, { segment }: { segment?: string }) => all.filter((c) => segment == null || c.segment === segment),
      },
      Mutation: {
        updateAddress: (_: unknown, { customerId, address }: { customerId: string; address: { street: string; city: string; country: string; postcode?: string | null } }) => {
          const customer = find(customerId);
          if (customer) customer.address = { ...address, postcode: address.postcode ?? null };
          return customer;
        },
      },
      Customer: {
        __resolveReference: ({ id }: { id: string }) => find(id),
        primaryAccount: ({ id }: { id: string }) => {
          const account = accounts.find((a) => a.holderId === id);
          return account ? { bankCode: account.bankCode, number: account.number } : null;
        },
      },
    };
  },
};

const ledger: SubgraphDefinition = {
  name: 'ledger',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable"])

    enum Currency { EUR USD GBP }
    enum AccountKind { CHECKING SAVINGS LOAN }
    enum Direction { IN OUT }

    type Money @shareable { amount: Int! currency: Currency! }

    type Account @key(fields: "iban") @key(fields: "bankCode number") {
      iban: ID!
      bankCode: String!
      number: String!
      kind: AccountKind!
      nickname: String
      balance: Money!
      holder: Customer!
      "Null for most accounts; every fifth account's cosigner has left the bank."
      cosigner: Customer
      transactions(first: Int = 5, direction: Direction): [Transaction!]!
    }

    type Transaction {
      id: ID!
      amount: Money!
      direction: Direction!
      bookedOn: String!
      memo: String
      "Null for transfers with other banks."
      counterparty: Account
    }

    type Customer @key(fields: "id") {
      id: ID!
      accounts: [Account!]!
      "Accounts grouped by kind, as a list of lists."
      accountsByKind: [[Account!]!]!
      totalBalance: Money!
    }

    input MoneyInput { amount: Int! currency: Currency = EUR }
    input TransferInput { from: ID! to: ID! amount: MoneyInput! memo: String reference: String = "none" }

    type TransferPreview {
      from: Account
      to: Account
      amount: Money!
      fee: Money!
      reference: String!
      memo: String
    }

    type Query {
      account(iban: ID!): Account
      accountByNumber(bankCode: String!, number: String!): Account
      accounts(kind: AccountKind, first: Int = 50): [Account!]!
    }

    type Mutation {
      "Sets or clears the nickname; sending it twice answers the same."
      setNickname(iban: ID!, nickname: String): Account
      "Answers from its input only."
      previewTransfer(input: TransferInput!): TransferPreview!
    }
  `,
  createResolvers() {
    const accounts = bankAccounts().map((a) => ({ ...a, nickname: a.n % 3 === 0 ? `Pot ${a.n}` : null as string | null }));
    const byIban = (iban: string) => accounts.find((a) => a.iban === iban) ?? null;
    const transactionsOf = (a: LedgerAccount) =>
      Array.from({ length: 8 }, (_, m) => ({
        id: `t${a.n}-${m + 1}`,
        amount: { amount: (((a.n * 31 + m * 17) % 900) + 10) * 100, currency: a.balance.currency },
        direction: m % 3 === 0 ? 'IN' : 'OUT',
        bookedOn: `2026-${String(m + 1).padStart(2, '0')}-${String((a.n % 28) + 1).padStart(2, '0')}`,
        memo: MEMOS[(a.n + m) % MEMOS.length],
        counterparty: m % 4 === 1 ? accounts[(a.n + m) % accounts.length] : null,
      }));
    return {
      Query: {
        account: (_: unknown, { iban }: { iban: string }) => byIban(iban),
        accountByNumber: (_: unknown, { bankCode, number }: { bankCode: string; number: string }) =>
          accounts.find((a) => a.bankCode === bankCode && a.number === number) ?? null,
        accounts: (_: unknown, { kind, first }: { kind?: string; first: number }) => accounts.filter((a) => kind == null || a.kind === kind).slice(0, first),
      },
      Mutation: {
        setNickname: (_: unknown, { iban, nickname }: { iban: string; nickname?: string | null }) => {
          const account = byIban(iban);
          if (account) account.nickname = nickname ?? null;
          return account;
        },
        previewTransfer: (_: unknown, { input }: { input: { from: string; to: string; amount: { amount: number; currency: string }; memo?: string | null; reference: string } }) => ({
          from: { iban: input.from },
          to: { iban: input.to },
          amount: input.amount,
          fee: { amount: input.amount.currency === 'EUR' ? 0 : Math.ceil(input.amount.amount / 100), currency: input.amount.currency },
          reference: input.reference,
          memo: input.memo ?? null,
        }),
      },
      Account: {
        __resolveReference: (ref: { iban?: string; bankCode?: string; number?: string }) =>
          (ref.iban !== undefined ? byIban(ref.iban) : accounts.find((a) => a.bankCode === ref.bankCode && a.number === ref.number)) ?? null,
        holder: (a: LedgerAccount) => ({ id: a.holderId }),
        cosigner: (a: LedgerAccount) => (a.cosignerId === null ? null : { id: a.cosignerId }),
        transactions: (a: LedgerAccount, { first, direction }: { first: number; direction?: string }) =>
          transactionsOf(a).filter((t) => direction == null || t.direction === direction).slice(0, first),
      },
      TransferPreview: {
        from: ({ from }: { from: { iban: string } }) => byIban(from.iban),
        to: ({ to }: { to: { iban: string } }) => byIban(to.iban),
      },
      Customer: {
        __resolveReference: ({ id }: { id: string }) => ({ id }),
        accounts: ({ id }: { id: string }) => accounts.filter((a) => a.holderId === id),
        accountsByKind: ({ id }: { id: string }) => KINDS.map((kind) => accounts.filter((a) => a.holderId === id && a.kind === kind)),
        totalBalance: ({ id }: { id: string }) => ({ amount: accounts.filter((a) => a.holderId === id).reduce((sum, a) => sum + a.balance.amount, 0), currency: 'EUR' }),
      },
    };
  },
};

const risk: SubgraphDefinition = {
  name: 'risk',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@external", "@requires", "@shareable"])

    enum Currency { EUR USD GBP }
    enum RiskFlag { HIGH_BALANCE OVERDRAWN FOREIGN_CURRENCY }
    enum KycStatus { VERIFIED PENDING REJECTED }
    enum Severity { LOW MEDIUM HIGH }

    type Money @shareable { amount: Int! currency: Currency! }

    type Account @key(fields: "iban") {
      iban: ID!
      balance: Money! @external
      riskScore: Int! @requires(fields: "balance { amount currency }")
      flags: [RiskFlag!]! @requires(fields: "balance { amount currency }")
      "Fails with CREDIT_BUREAU_DOWN for some accounts; for others the bureau sends no score, a non-null field."
      creditCheck: CreditCheck
    }

    type CreditCheck { score: Int! band: String! bureau: String }

    type Customer @key(fields: "id") {
      id: ID!
      "Fails with KYC_UNAVAILABLE for c3 and without a code for c7: a non-null field."
      kycStatus: KycStatus!
      "Fails without a code for c4."
      politicallyExposed: Boolean
    }

    type Alert { id: ID! severity: Severity! reason: String! account: Account! }

    type Query {
      alerts(minSeverity: Severity = LOW): [Alert!]!
    }
  `,
  createResolvers() {
    const accounts = bankAccounts();
    const nOf = (iban: string) => accounts.find((a) => a.iban === iban)?.n ?? 0;
    const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH'];
    const alerts = [3, 8, 11, 17, 20, 24].map((n, i) => ({ id: `a${i + 1}`, severity: SEVERITIES[(n * 2 + i) % 3], reason: ['Unusual login', 'Large transfer', 'New payee'][n % 3], account: { iban: accounts[n - 1].iban } }));
    return {
      Query: {
        alerts: (_: unknown, { minSeverity }: { minSeverity: string }) => alerts.filter((a) => SEVERITIES.indexOf(a.severity) >= SEVERITIES.indexOf(minSeverity)),
      },
      Account: {
        __resolveReference: (ref: { iban: string }) => ref,
        riskScore: ({ balance }: { balance: { amount: number; currency: string } }) =>
          (balance.amount < 0 ? 80 : balance.amount > 300_000 ? 40 : 10) + (balance.currency === 'EUR' ? 0 : 15),
        flags: ({ balance }: { balance: { amount: number; currency: string } }) => [
          ...(balance.amount > 300_000 ? ['HIGH_BALANCE'] : []),
          ...(balance.amount < 0 ? ['OVERDRAWN'] : []),
          ...(balance.currency === 'EUR' ? [] : ['FOREIGN_CURRENCY']),
        ],
        creditCheck: ({ iban }: { iban: string }) => {
          const n = nOf(iban);
          if (n % 5 === 2) throw new GraphQLError(`Credit bureau did not answer for account ${n}`, { extensions: { code: 'CREDIT_BUREAU_DOWN' } });
          if (n % 7 === 3) return { score: null, band: 'UNKNOWN', bureau: 'Creditsafe' };
          if (n % 4 === 0) return null;
          return { score: 500 + ((n * 37) % 350), band: ['A', 'B', 'C'][n % 3], bureau: n % 2 === 1 ? 'Experian' : null };
        },
      },
      Customer: {
        __resolveReference: (ref: { id: string }) => ref,
        kycStatus: ({ id }: { id: string }) => {
          if (id === 'c3') throw new GraphQLError('KYC provider unavailable for c3', { extensions: { code: 'KYC_UNAVAILABLE' } });
          if (id === 'c7') throw new Error('KYC provider returned an unreadable answer');
          return ['VERIFIED', 'PENDING', 'REJECTED'][Number(id.slice(1)) % 5 === 0 ? 2 : Number(id.slice(1)) % 4 === 1 ? 1 : 0];
        },
        politicallyExposed: ({ id }: { id: string }) => {
          if (id === 'c4') throw new Error('Screening list download failed');
          return Number(id.slice(1)) % 5 === 0;
        },
      },
    };
  },
};

export const BANK_SUBGRAPHS = [customers, ledger, risk];
