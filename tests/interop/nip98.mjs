// NIP-98 with nostr-tools (npm), against a custody server.
//   node nip98.mjs keygen                         -> nsec, npub (two lines)
//   node nip98.mjs request NSEC METHOD URL [JSON] -> HTTP status, body (two lines)
// nostr-tools makes the Authorization header (getToken) and sends the request
// with fetch; a JSON body is sent as JSON.stringify of it, which is what
// nostr-tools hashes into the payload tag.
import { generateSecretKey, getPublicKey, finalizeEvent } from 'nostr-tools/pure'
import * as nip19 from 'nostr-tools/nip19'
import { getToken } from 'nostr-tools/nip98'

const [cmd, ...args] = process.argv.slice(2)
if (cmd === 'keygen') {
  const sk = generateSecretKey()
  console.log(nip19.nsecEncode(sk))
  console.log(nip19.npubEncode(getPublicKey(sk)))
} else if (cmd === 'request') {
  const [nsec, method, url, json] = args
  const sk = nip19.decode(nsec).data
  const payload = json ? JSON.parse(json) : undefined
  const token = await getToken(url, method, (e) => finalizeEvent(e, sk), true, payload)
  const res = await fetch(url, {
    method,
    headers: { Authorization: token },
    body: payload ? JSON.stringify(payload) : undefined,
  })
  console.log(res.status)
  console.log((await res.text()).replace(/\n/g, ' '))
} else {
  console.error('usage: nip98.mjs keygen | request NSEC METHOD URL [JSON]')
  process.exit(2)
}
