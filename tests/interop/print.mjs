// The drill's HTML timeline and PIR report in headless Chromium (npm
// puppeteer-core, Debian's chromium), on screen and printed.
//   node print.mjs CONFIG.json
// CONFIG: {"documents": [{"name", "path"}], "values": [every npub and 64-hex
// hash the incident's events carry, in full], "out" (screenshots and PDFs)}.
// Checks, for each document: it loads with no console error and no request;
// at 1,024 and 1,400 px nothing is wider than the viewport; under print media
// at the printable width of A4 and of Letter (the page less the document's
// @page margins, in CSS px at 96 dpi) nothing is wider than that, and every
// text outside the chart is at least 8 pt; it prints to PDF on both; every
// token shown short has its full value in the document's text, and no table
// cell shows an npub or a hash in full.
import { readFileSync, writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { checks } from './chromium.mjs'

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const { check, run } = checks()

// Paper sizes in CSS px (96 per inch).
const kPx = { mm: 96 / 25.4, cm: 96 / 2.54, in: 96, pt: 96 / 72, px: 1 }
const kPapers = { A4: 210 * kPx.mm, Letter: 8.5 * kPx.in }
const kMinFontPx = 8 * kPx.pt  // 8 pt: 10.67 px

// Elements whose box reaches past `width`, outside the chart's own drawing
// (the SVG element is checked; what it draws is scaled into it).
const overflowing = (width) => {
  const out = []
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue
    const r = el.getBoundingClientRect()
    if (r.width === 0 && r.height === 0) continue
    if (r.right > width + 0.5 || r.left < -0.5) {
      const id = el.id ? `#${el.id}` : ''
      out.push(`${el.tagName.toLowerCase()}${id} [${Math.round(r.left)}, ${Math.round(r.right)}] "${(el.textContent || '').trim().slice(0, 40)}"`)
    }
  }
  return out
}

await run('print', async (browser) => {
  for (const doc of config.documents) {
    const page = await browser.newPage()
    const problems = []
    const requests = []
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`) })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()) })
    await page.setViewport({ width: 1400, height: 900 })
    await page.goto(pathToFileURL(doc.path).href, { waitUntil: 'load', timeout: 30000 })
    const name = doc.name

    // 1. On screen at two widths: no horizontal scrolling, nothing past the edge.
    for (const width of [1024, 1400]) {
      await page.setViewport({ width, height: 900 })
      const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }))
      const over = await page.evaluate(overflowing, inner)
      check(scroll <= inner, `${name}: at ${width} px the page is no wider than the viewport (${scroll} <= ${inner})`)
      check(over.length === 0, `${name}: at ${width} px no element reaches past the viewport${over.length ? ':\n  ' + over.slice(0, 10).join('\n  ') : ''}`)
      await page.screenshot({ path: `${config.out}/${name}-${width}.png`, fullPage: true })
    }

    // 2. Under print media at each paper's printable width.
    await page.emulateMediaType('print')
    const margins = await page.evaluate(() => {
      for (const sheet of document.styleSheets)
        for (const rule of sheet.cssRules)
          if (rule.type === CSSRule.PAGE_RULE) return [rule.style.marginLeft, rule.style.marginRight]
      return null
    })
    check(margins !== null && margins.every((m) => /^[0-9.]+(mm|cm|in|pt|px)$/.test(m)),
      `${name}: an @page rule sets the left and right margins (${margins})`)
    const toPx = (m) => { const [, v, u] = /^([0-9.]+)([a-z]+)$/.exec(m); return Number(v) * kPx[u] }
    const marginPx = margins ? toPx(margins[0]) + toPx(margins[1]) : 0
    for (const [format, paper] of Object.entries(kPapers)) {
      const width = Math.floor(paper - marginPx)
      await page.setViewport({ width, height: 1100 })
      const over = await page.evaluate(overflowing, width)
      const { scroll, body, small } = await page.evaluate((minPx) => {
        // Elements with text of their own, outside the chart, in a font smaller than minPx.
        const small = []
        for (const el of document.querySelectorAll('body, body *')) {
          if (el.closest('svg')) continue
          const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim())
          const size = parseFloat(getComputedStyle(el).fontSize)
          if (own && size < minPx - 0.01) small.push(`${el.tagName.toLowerCase()} ${size}px "${el.textContent.trim().slice(0, 30)}"`)
        }
        return {
          scroll: document.documentElement.scrollWidth,
          body: parseFloat(getComputedStyle(document.body).fontSize),
          small,
        }
      }, kMinFontPx)
      check(scroll <= width, `${name}: printed on ${format} (${width} px between the margins) the page is no wider (${scroll})`)
      check(over.length === 0, `${name}: printed on ${format} no element reaches past the margins${over.length ? ':\n  ' + over.slice(0, 10).join('\n  ') : ''}`)
      check(body >= kMinFontPx, `${name}: printed, the body text is at least 8 pt (${(body / kPx.pt).toFixed(2)} pt)`)
      check(small.length === 0, `${name}: printed, no text outside the chart is under 8 pt${small.length ? ':\n  ' + small.slice(0, 10).join('\n  ') : ''}`)
      await page.screenshot({ path: `${config.out}/${name}-print-${format}.png`, fullPage: true })
      const pdf = Buffer.from(await page.pdf({ format, printBackground: true }))
      writeFileSync(`${config.out}/${name}-${format}.pdf`, pdf)
      const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page\b(?!s)/g) || []).length
      check(pdf.subarray(0, 5).toString() === '%PDF-' && pdf.length > 5000 && pages > 0,
        `${name}: prints to PDF on ${format} (${pdf.length} bytes, ${pages} pages)`)
    }

    // 3. Shortened tokens: the full value on hover and in the text.
    const { text, titled, cells, refs } = await page.evaluate(() => {
      const titled = []
      for (const el of document.querySelectorAll('body [title]'))
        if (el.textContent.includes('\u2026') && !el.closest('svg')) titled.push([el.textContent, el.getAttribute('title')])
      const cells = [...document.querySelectorAll('td, th, .meta')].map((c) => c.textContent)
      const refs = [...document.querySelectorAll('a[href^="#"]')].map((a) => [a.getAttribute('href'), document.getElementById(a.getAttribute('href').slice(1)) !== null])
      return { text: document.body.innerText, titled, cells, refs }
    })
    const missing = []
    for (const [shown, title] of titled)
      for (const full of title.split(/[\s,]+/).filter(Boolean))
        if (!text.includes(full)) missing.push(`${shown} -> ${full}`)
    check(titled.length > 0 && missing.length === 0,
      `${name}: ${titled.length} tokens shown short carry a title whose full value is in the text${missing.length ? ':\n  ' + missing.slice(0, 10).join('\n  ') : ''}`)
    // Every value the events carry that the document shows short is also in it in full.
    const shortForms = (v) => v.startsWith('npub1') ? [v.slice(0, 13) + '\u2026' + v.slice(-4)] : [v.slice(0, 16) + '\u2026', v.slice(0, 12) + '\u2026']
    const unexpanded = config.values.filter((v) => shortForms(v).some((s) => text.includes(s)) && !text.includes(v))
    check(unexpanded.length === 0, `${name}: every npub and hash shown short is in the text in full${unexpanded.length ? ':\n  ' + unexpanded.join('\n  ') : ''}`)
    const long = cells.filter((c) => /npub1[02-9ac-hj-np-z]{58}|[0-9a-f]{64}/.test(c))
    check(long.length === 0, `${name}: no table cell shows an npub or a hash in full${long.length ? ':\n  ' + long.slice(0, 5).join('\n  ') : ''}`)
    const dangling = refs.filter(([, ok]) => !ok).map(([href]) => href)
    check(dangling.length === 0, `${name}: every link inside the document has its target${dangling.length ? ': ' + dangling.slice(0, 10).join(' ') : ''}`)

    check(problems.length === 0 && requests.length === 0,
      `${name}: no console error, page error or request${problems.length + requests.length ? ':\n  ' + [...problems, ...requests].join('\n  ') : ''}`)
    await page.close()
  }
})
