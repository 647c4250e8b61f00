// What the headless Chromium tests share (board.mjs, print.mjs): Debian's
// chromium started through npm puppeteer-core, and the ok/FAIL lines they
// print, with a summary and the exit code at the end.
import { existsSync } from 'node:fs'
import puppeteer from 'puppeteer-core'

// A headless Chromium of its own, no sandbox (tests run as root in CI), no
// keyring over D-Bus.
export function launchChromium() {
  const executablePath = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find(existsSync)
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--password-store=basic', '--use-mock-keychain',
      '--disable-dev-shm-usage', '--no-first-run'],
  })
}

// check(ok, what) prints "ok   what" or "FAIL what"; run(name, body) runs the
// checks in body(browser), closes the browser, prints the summary and exits 1
// on any failure or exception.
export function checks() {
  const failures = []
  const check = (ok, what) => {
    if (ok) console.log(`ok   ${what}`)
    else { console.log(`FAIL ${what}`); failures.push(what) }
  }
  const run = async (name, body) => {
    const browser = await launchChromium()
    try {
      await body(browser)
    } catch (e) {
      failures.push(String(e && e.stack ? e.stack : e))
      console.log(`FAIL ${e}`)
    } finally {
      await browser.close()
    }
    if (failures.length) {
      console.log(`${name}: ${failures.length} failure(s)`)
      process.exit(1)
    }
    console.log(`${name}: every check passed`)
  }
  return { check, run }
}
