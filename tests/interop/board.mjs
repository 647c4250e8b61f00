// The incident board in headless Chromium (npm puppeteer-core, Debian's
// chromium), against a custody server that board_browser_test.sh started.
//   node board.mjs CONFIG.json
// CONFIG: {"url", "incident", "link" (the admin's custody open), "link2" (a
// responder's), "admin_nsec", "out" (screenshots and PDFs), "custody" (the
// command, as an array, that appends as the admin), "remove" (the command
// that removes the responder)}.
// Checks: the token is exchanged for an HttpOnly, SameSite=Strict cookie and
// is gone from the URL; no console error; the status is shown; an event
// appended by the CLI appears without a reload; nothing is cut off at 1,024
// and 1,400 px; the page prints to PDF (A4 and Letter); a member whose role
// is removed loses the stream; a NIP-07 extension signs in.
import { readFileSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { finalizeEvent, getPublicKey } from 'nostr-tools/pure'
import * as nip19 from 'nostr-tools/nip19'
import { checks } from './chromium.mjs'

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const board = `${config.url}/v1/incidents/${config.incident}/board`
const { check, run } = checks()
const timeout = 30000

// Every console message of an error or warning level, every page error and
// failed request, on every page.
const problems = []
const watch = (page, name) => {
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') problems.push(`${name}: console ${m.type()}: ${m.text()}`) })
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`))
  page.on('requestfailed', (r) => {
    // The event stream is cut when the page goes: not a failure.
    if (!r.url().endsWith('/board/events')) problems.push(`${name}: request failed: ${r.url()} ${r.failure()?.errorText}`)
  })
}
await run('board', async (browser) => {
  // 1. The link from custody open: a cookie, and the board without the token.
  const context = await browser.createBrowserContext()
  const page = await context.newPage()
  watch(page, 'admin')
  await page.setViewport({ width: 1400, height: 900 })
  await page.goto(config.link, { waitUntil: 'domcontentloaded', timeout })
  check(page.url() === board, `the token is gone from the URL (${page.url()})`)
  const cookies = await page.cookies()
  const session = cookies.find((c) => c.name === 'custody_session')
  check(session && session.httpOnly && session.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict')
  check(!(await page.evaluate(() => document.cookie)).includes('custody_session'), 'the page script cannot read the cookie')
  await page.waitForFunction(() => document.body.dataset.live === 'live', { timeout })
  const heading = await page.$eval('#heading', (e) => e.textContent)
  check(heading.startsWith(config.incident), `the heading names the incident (${heading})`)
  const statusText = await page.$eval('#status-text', (e) => e.textContent)
  check(statusText.includes(config.incident) && statusText.length > 100, 'the status, as custody status prints it, is there')
  check(await page.$('#chart svg#timeline-svg') !== null, 'the timeline chart is there')
  check((await page.$eval('#checkpoint', (e) => e.textContent)).includes('notary-signed tree head'), 'the page names the checkpoint it reflects')
  const note = await page.$eval('#note', (e) => e.textContent)
  check(note.startsWith('custody/') && note.includes('\u2014 custody/'), 'the signed tree head is shown')

  // 2. An event appended by a CLI client appears without a reload.
  const size0 = Number(await page.evaluate(() => document.body.dataset.size))
  const marker = `board browser test ${Date.now()}`
  const started = Date.now()
  execFileSync(config.custody[0], [...config.custody.slice(1), 'note', '--incident', config.incident, marker])
  await page.waitForFunction((m) => document.querySelector('#latest tbody').textContent.includes(m), { timeout }, marker)
  const size1 = Number(await page.evaluate(() => document.body.dataset.size))
  check(size1 > size0, `the appended event arrived without a reload in ${Date.now() - started} ms (tree head ${size0} -> ${size1})`)

  // 3. Nothing cut off at 1,024 and 1,400 px; screenshots; print to PDF.
  for (const width of [1024, 1400]) {
    await page.setViewport({ width, height: 900 })
    await new Promise((r) => setTimeout(r, 200))
    const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }))
    check(scroll <= inner, `at ${width} px the page is no wider than the viewport (${scroll} <= ${inner})`)
    await page.screenshot({ path: `${config.out}/board-${width}.png`, fullPage: true })
  }
  for (const format of ['A4', 'Letter']) {
    const pdf = await page.pdf({ format, printBackground: true })
    writeFileSync(`${config.out}/board-${format}.pdf`, pdf)
    check(pdf.length > 5000 && Buffer.from(pdf.subarray(0, 5)).toString() === '%PDF-', `the board prints to PDF (${format}, ${pdf.length} bytes)`)
  }

  // 4. A member whose role is removed loses the stream.
  const page2 = await (await browser.createBrowserContext()).newPage()
  watch(page2, 'responder')
  await page2.goto(config.link2, { waitUntil: 'domcontentloaded', timeout })
  await page2.waitForFunction(() => document.body.dataset.live === 'live', { timeout })
  execFileSync(config.remove[0], config.remove.slice(1))
  await page2.waitForFunction(() => document.body.dataset.live === 'revoked', { timeout })
  check(true, 'the removed member\'s board stops, saying why')

  // 5. NIP-07: a window.nostr the test injects signs the sign-in.
  const sk = nip19.decode(config.admin_nsec).data
  const page3 = await (await browser.createBrowserContext()).newPage()
  watch(page3, 'nip07')
  await page3.exposeFunction('__custodyTestSign', (event) => finalizeEvent(event, sk))
  await page3.evaluateOnNewDocument((pubkey) => {
    window.nostr = {
      getPublicKey: async () => pubkey,
      signEvent: async (event) => window.__custodyTestSign(event),
    }
  }, getPublicKey(sk))
  const number = config.incident.replace(/^INC-/, '')
  await page3.goto(`${config.url}/v1/signin?incident=${number}`, { waitUntil: 'domcontentloaded', timeout })
  await page3.waitForSelector('#nip07-button', { visible: true, timeout })
  await Promise.all([page3.waitForNavigation({ timeout }), page3.click('#nip07-button')])
  check(page3.url() === board, `NIP-07 sign-in lands on the board (${page3.url()})`)
  await page3.waitForFunction(() => document.body.dataset.live === 'live', { timeout })
  check(true, 'the NIP-07 session streams the board')

  check(problems.length === 0, `no console errors, page errors or failed requests${problems.length ? ':\n  ' + problems.join('\n  ') : ''}`)
})
