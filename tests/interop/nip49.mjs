// NIP-49 with nostr-tools, for tests/interop/nip49_interop_test.sh:
//   node nip49.mjs decrypt NCRYPTSEC PASSPHRASE  -> prints the key's npub
//   node nip49.mjs encrypt PASSPHRASE            -> prints a new key's ncryptsec, then its npub
import { encrypt, decrypt } from 'nostr-tools/nip49';
import { generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { npubEncode } from 'nostr-tools/nip19';

const [mode, a, b] = process.argv.slice(2);
if (mode === 'decrypt') {
  console.log(npubEncode(getPublicKey(decrypt(a, b))));
} else if (mode === 'encrypt') {
  const sk = generateSecretKey();
  console.log(encrypt(sk, a, 16));
  console.log(npubEncode(getPublicKey(sk)));
} else {
  console.error('usage: nip49.mjs decrypt NCRYPTSEC PASSPHRASE | encrypt PASSPHRASE');
  process.exit(2);
}
