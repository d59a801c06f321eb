import { generateKeyPairSync } from 'node:crypto';

/** A non-development identity key pair, as an operator deploys one: the gateway signs with the private half, subgraphs verify with the public one. */
const pair = generateKeyPairSync('ed25519');
export const DEPLOYED_IDENTITY = {
  privateKey: pair.privateKey,
  privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};
