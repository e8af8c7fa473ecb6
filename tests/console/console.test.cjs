// The station console in headless Chromium against a real `mitan serve` (run.sh sets it up):
// each step as an officer does it, printed as it passes; the first mismatch fails the run.
'use strict';

const { chromium } = require('playwright-core');
const { execFileSync } = require('child_process');
const fs = require('fs');

const url = process.env.MITAN_URL;
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const PASSWORDS = {
  'CG-100': 'थाना-कोनी-2026', 'CG-200': 'सिरगिट्टी-2026', 'CG-900': 'लेखा-परीक्षा-2026', 'CG-500': 'ज़िला-प्रशासन-2026',
  'CG-0010': 'मुख्यालय-निगरानी-2026', 'CG-0101': 'रेंज-बिलासपुर-2026',
};

function step(text) { console.log(`ok   ${text}`); }
function check(condition, what) { if (!condition) throw new Error(what); }

/** Counts the bytes a page transfers (compressed, headers included), from Chromium's own figures. */
async function meter(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const meter = { bytes: 0, reset() { this.bytes = 0; } };
  cdp.on('Network.loadingFinished', (event) => { meter.bytes += event.encodedDataLength; });
  return meter;
}

/** axe-core's serious and critical findings on the page shown. */
async function accessibility(page, name) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    const found = await window.axe.run(document, { resultTypes: ['violations'] });
    return found.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  console.log(`axe  ${name}: ${result.length} violation kind(s), ${serious.length} serious or critical` +
    (result.length ? ` (${result.map((v) => `${v.id}:${v.impact}`).join(', ')})` : ''));
  check(serious.length === 0, `${name}: serious accessibility violations ${JSON.stringify(serious)}`);
}

async function signIn(page, badge, password = PASSWORDS[badge]) {
  await page.goto(`${url}/sign-in`);
  await page.fill('#badge', badge);
  await page.fill('#password', password);
  await Promise.all([page.waitForLoadState('load'), page.click('main button[type=submit]')]);
}

/**
 * The rows of each unit table on a progress page, by the heading above the table:
 * { heading: [{ code, kind, enrolled, target }] }.
 */
async function unitTables(page) {
  return page.evaluate(() => {
    const tables = {};
    for (const table of document.querySelectorAll('main table')) {
      const rows = [...table.querySelectorAll('tbody tr')].filter((row) => row.querySelector('th[scope=row] small'));
      if (rows.length === 0 && !table.querySelector('thead th')) continue;
      let heading = table.previousElementSibling;
      while (heading && heading.tagName !== 'H2') heading = heading.previousElementSibling;
      if (!heading) continue;
      const number = (cell) => Number(cell.innerText.replace(/[^0-9]/g, ''));
      tables[heading.innerText.replace(/ \(.*\)$/, '')] = rows.map((row) => {
        const cells = row.querySelectorAll('td');
        return {
          code: row.querySelector('th[scope=row] small').innerText.trim(),
          kind: cells[0].innerText.trim(),
          enrolled: number(cells[1]),
          target: number(cells[4]),
        };
      });
    }
    return tables;
  });
}

/** The forms on the page that post anywhere but to sign out. */
async function writingForms(page) {
  return page.locator('form[method=post]:not([action="/sign-out"])').count();
}

function field(...args) {
  return execFileSync(process.env.MITAN_BIN, ['field', '--dir', process.env.FIELD_DIR, ...args], { encoding: 'utf8' });
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-background-networking'],
  });
  try {
    // 1. Each officer sets a first password with the code the administrator issued.
    const setup = await browser.newContext();
    const page0 = await setup.newPage();
    for (const badge of Object.keys(PASSWORDS)) {
      await page0.goto(`${url}/first-password`);
      await page0.fill('#badge', badge);
      await page0.fill('#code', process.env[`CODE_${badge.replace('-', '_')}`]);
      await page0.fill('#password', PASSWORDS[badge]);
      await page0.fill('#again', PASSWORDS[badge]);
      await page0.click('main button[type=submit]');
      check(page0.url().endsWith('/sign-in?set=1'), `${badge}: first password not set (${page0.url()})`);
    }
    await accessibility(page0, 'sign-in');
    await setup.close();
    step(`${Object.keys(PASSWORDS).length} officers set their first passwords with one-time codes`);

    // 2. The Koni in-charge signs in and sees Koni's progress, in Hindi, and nothing of Sirgitti.
    const koni = await browser.newContext();
    const page = await koni.newPage();
    const dialogs = [];
    page.on('dialog', async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });
    const bytes = await meter(koni, page);
    await signIn(page, 'CG-100');
    check(page.url().endsWith('/progress'), `after sign-in: ${page.url()}`);
    await page.waitForLoadState('networkidle');
    const firstPage = bytes.bytes;
    check(await page.locator('h1').innerText() === 'प्रगति', 'the progress heading in Hindi');
    const progressText = await page.locator('main').innerText();
    check(progressText.includes('कोनी'), 'Koni is shown');
    check(!progressText.includes('सिरगिट्टी'), 'Sirgitti is shown to the Koni in-charge');
    check(firstPage < 100 * 1024, `the first page weighs ${firstPage} bytes`);
    await accessibility(page, 'progress');
    step(`CG-100 signed in: progress of Koni only, first page ${firstPage} bytes transferred`);

    // 3. The review queue: the household holding HTML is shown as text and runs nothing.
    await page.goto(`${url}/review`);
    const rows = page.locator('tbody tr');
    check(await rows.count() === 5, `queue rows: ${await rows.count()}`);
    check(await page.getByText('<script>alert(1)</script>', { exact: false }).count() === 1, 'the hostile household as text');
    check(await page.locator('img[src="x"]').count() === 0, 'an <img> from a household made it into the page');
    check(dialogs.length === 0, `a script ran: ${dialogs}`);
    await accessibility(page, 'review');
    step('review queue: 5 waiting; a household holding <script> and <img onerror> shown as text, nothing ran');

    // 4. Bulk verify two, reject one with a reason.
    const idOf = async (name) => page.locator(`input[type=checkbox][aria-label="चुनें ${name}"]`).first().getAttribute('value');
    const ids = { ramesh: await idOf('Ramesh Sahu'), sunita: await idOf('Sunita Verma'), priya: await idOf('Priya Patel'), vikas: await idOf('Vikas Yadav') };
    await page.check(`#pick-${ids.ramesh}`);
    await page.check(`#pick-${ids.sunita}`);
    bytes.reset();
    await page.click('form#bulk button');
    await page.waitForURL(/verified=2/);
    await page.waitForLoadState('networkidle');
    const action = bytes.bytes;
    check(action > 0, 'the action was not metered');
    check((await page.locator('.notice').innerText()).includes('2'), 'two verified');
    check(action < 20 * 1024, `the action weighed ${action} bytes`);
    await page.fill(`#reason-${ids.priya}`, 'फ़ोटो साफ़ नहीं');
    await Promise.all([page.waitForLoadState('load'), page.locator(`#reason-${ids.priya}`).press('Enter')]);
    check(await page.locator('tbody tr').count() === 2, 'two left waiting');
    step(`two verified in one go (${action} bytes transferred), one rejected with a reason`);

    // 5. The decisions reach the constable's phone at its next sync, the reason included.
    field('sync');
    const listed = field('list');
    check((listed.match(/verified/g) || []).length === 2, `phone list: ${listed}`);
    check(listed.includes('rejected') && listed.includes('फ़ोटो साफ़ नहीं'), `phone list: ${listed}`);
    step('the phone shows both verifications and the rejection with its reason after one sync');

    // 6. A form without its CSRF token is refused and changes nothing.
    const forged = await page.request.post(`${url}/review/verify`, { form: { volunteer: ids.vikas } });
    check(forged.status() === 403, `forged form: ${forged.status()}`);
    await page.goto(`${url}/review`);
    check(await page.locator('tbody tr').count() === 2, 'the forged form changed something');
    step('a form posted without its CSRF token: 403, nothing changed');

    // Search: a Latin spelling finds both Devanagari Rameshes; a number written with a space.
    await page.fill('#q', 'ramesh');
    await Promise.all([page.waitForURL(/\/search/), page.press('#q', 'Enter')]);
    check(await page.locator('main tbody tr').count() === 2, `search ramesh: ${await page.locator('main tbody tr').count()}`);
    await accessibility(page, 'search');
    await page.goto(`${url}/search?q=${encodeURIComponent('98765 43211')}`);
    check((await page.locator('main tbody').innerText()).includes('सुनीता'), 'search by mobile');
    step('search: "ramesh" finds both रमेश entries; "98765 43211" finds Sunita');

    // The duplicate candidates side by side; the second Ramesh marked as the first's duplicate.
    await page.goto(`${url}/duplicates`);
    const pair = page.locator('table.pair').first();
    check(await pair.locator('thead th').count() === 3, 'a pair side by side');
    check((await pair.innerText()).includes('रमेश साहु'), 'both spellings shown');
    await accessibility(page, 'duplicates');
    await Promise.all([page.waitForURL(/marked=1/), pair.locator('button').first().click()]);
    step('duplicates: the two Rameshes with one number side by side; the second marked as the first\'s duplicate');

    // Household coverage of Koni's village.
    await page.goto(`${url}/coverage`);
    check((await page.locator('main').innerText()).includes('812'), 'the village\'s households');
    await accessibility(page, 'coverage');
    step('household coverage of Koni village against its 812 households');

    // The beat's private cameras with where they stand; no owner on the page.
    await page.goto(`${url}/cameras`);
    const cameras = await page.locator('main').innerText();
    check(cameras.includes('22.079700, 82.140900'), 'the camera\'s coordinates');
    check(cameras.includes('उत्तर-पूर्व'), 'its direction in Hindi');
    check(!cameras.includes('फग्गूराम') && !cameras.includes('9407312468'), 'the owner on the cameras page');
    await accessibility(page, 'cameras');
    step('cameras: Koni\'s camera with its coordinates and direction, its owner not shown');

    // The station's groups made by rule, and one group's members: verified women, so Sunita
    // (verified above) and not Priya (rejected).
    await page.goto(`${url}/groups`);
    check((await page.locator('main').innerText()).includes('कोनी महिला समूह'), 'the women\'s group listed');
    await accessibility(page, 'groups');
    await Promise.all([page.waitForURL(/\/groups\/members/), page.click('a:has-text("कोनी महिला समूह")')]);
    const members = await page.locator('main').innerText();
    check(members.includes('Sunita Verma') && members.includes('+919876543211'), `members: ${members}`);
    check(!members.includes('Priya Patel') && !members.includes('Ramesh'), `members: ${members}`);
    await accessibility(page, 'group members');
    step('groups: the women\'s group with its counts and lists; its members page holds Sunita alone');

    // The volunteer's page, from the queue: the record and the history as a timeline.
    await page.goto(`${url}/review`);
    await Promise.all([page.waitForURL(/\/volunteers\//), page.click('a:has-text("विकास यादव")')]);
    const record = await page.locator('main').innerText();
    check(record.includes('+919876543213') && record.includes('CG-001'), `record: ${record}`);
    check(await page.locator('ol.timeline > li').count() >= 1, 'no history shown');
    await accessibility(page, 'volunteer');
    step(`Vikas Yadav's page: record and a timeline of ${await page.locator('ol.timeline > li').count()} change(s)`);

    // 7. Another station's in-charge sees none of Koni's people and cannot act on them.
    const other = await browser.newContext();
    const page2 = await other.newPage();
    await signIn(page2, 'CG-200');
    await page2.goto(`${url}/review`);
    check(await page2.locator('tbody tr').count() === 0, 'Sirgitti sees Koni\'s queue');
    const token = await page2.locator('input[name=csrf]').first().getAttribute('value');
    const across = await page2.request.post(`${url}/review/verify`, { form: { csrf: token, volunteer: ids.vikas } });
    check(across.status() === 403, `verify across stations: ${across.status()}`);
    const byUrl = await page2.goto(`${url}/volunteers/${ids.vikas}`);
    check(byUrl.status() === 403, `a Koni volunteer's page opened by URL: ${byUrl.status()}`);
    await other.close();
    step('the Sirgitti in-charge: an empty queue, 403 verifying a Koni volunteer, 403 opening their page by URL');

    // Devices: the constable's phone synced just now; a slip for a second phone registers it.
    await page.goto(`${url}/devices`);
    check((await page.locator('main').innerText()).includes('CG-001'), 'the phone is listed');
    await accessibility(page, 'devices');
    await page.selectOption('#badge', 'CG-001');
    await Promise.all([page.waitForLoadState('load'), page.click('form[action="/devices/code"] button')]);
    check(await page.locator('.qr svg').count() === 1, 'the slip has no QR code');
    const slipCode = (await page.locator('strong.code').innerText()).trim();
    execFileSync(process.env.MITAN_BIN, ['field', '--dir', `${process.env.FIELD_DIR}-second`, 'register',
      '--server', url, '--code', slipCode], { encoding: 'utf8' });
    step(`devices: the slip's code ${slipCode.slice(0, 4)}… (with a QR code) registers a second phone`);

    // 8. The language switch, remembered from page to page.
    await page.goto(`${url}/review`);
    await page.click('header a.lang');
    check(await page.locator('h1').innerText() === 'Review', 'switched to English');
    await page.goto(`${url}/progress`);
    check(await page.locator('h1').innerText() === 'Progress', 'English remembered');
    step('switched to English; the next page is in English too');

    // 9. Signing out ends the session.
    await Promise.all([page.waitForLoadState('load'), page.click('header form[action="/sign-out"] button')]);
    await page.goto(`${url}/review`);
    check(page.url().includes('/sign-in'), `after sign-out: ${page.url()}`);
    await koni.close();
    step('signed out: the queue asks for a sign-in again');

    // 10. The auditor: the access log names the in-charge's console reads; a volunteer's
    // history; the signed audit export downloads.
    const audit = await browser.newContext({ acceptDownloads: true });
    const page4 = await audit.newPage();
    await signIn(page4, 'CG-900');
    await page4.goto(`${url}/audit`);
    const logText = await page4.locator('main').innerText();
    check(logText.includes('CG-100') && logText.includes('console'), `access log: ${logText}`);
    await accessibility(page4, 'audit');
    await page4.fill('#volunteer', ids.priya);
    await Promise.all([page4.waitForURL(/audit\/history/), page4.locator('form:has(#volunteer) button').click()]);
    const changes = await page4.locator('ol.timeline > li').count();
    check(changes >= 2, `Priya's history: ${changes} change(s)`);
    const [download] = await Promise.all([page4.waitForEvent('download'), page4.goto(`${url}/audit`).then(() => page4.click('a[download]'))]);
    const exported = fs.statSync(await download.path()).size;
    check(exported > 0, 'an empty audit export');
    await audit.close();
    step(`auditor CG-900: the access log shows CG-100's console reads; Priya's history has ${changes} changes; the signed export downloads (${exported} bytes)`);

    // 11. The district admin uploads a hierarchy with bad lines: each shown, nothing stored.
    const admin = await browser.newContext();
    const page5 = await admin.newPage();
    await signIn(page5, 'CG-500');
    await page5.goto(`${url}/admin`);
    const bad = 'kind,code,parent,name_hi,name_en,lgd_code,households\n' +
      'beat,BSP-PS-KONI-B09,BSP-PS-NOWHERE,बीट 9,Beat 9,,\n' +
      'hamlet,BSP-H-1,BSP-PS-KONI,टोला,Tola,,\n';
    await page5.setInputFiles('#hierarchy-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page5.click('form[action="/admin/hierarchy"] button');
    const problems = page5.locator('main table').first();
    const refused = await problems.locator('tbody tr').count();
    check(refused >= 2, `refused lines shown: ${refused}`);
    check((await problems.innerText()).includes('3'), 'line 3 named');
    await accessibility(page5, 'admin');
    await page5.goto(`${url}/progress`);
    check(!(await page5.locator('main').innerText()).includes('BSP-PS-KONI-B09'), 'a refused file stored a unit');
    const good = 'kind,code,parent,name_hi,name_en,lgd_code,households\nbeat,BSP-PS-KONI-B02,BSP-PS-KONI,कोनी बीट 2,Koni Beat 2,,\n';
    await page5.goto(`${url}/admin`);
    await page5.setInputFiles('#hierarchy-file', { name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await page5.click('form[action="/admin/hierarchy"] button');
    check(await page5.locator('.notice').count() === 1, 'the good file was not saved');
    // A campaign, a target for Koni, a new Hindi notice and the adults-only policy.
    await page5.goto(`${url}/admin`);
    await page5.fill('#c-code', 'cyber-mitan-dec');
    await page5.fill('#c-name', 'साइबर मितान दिसंबर');
    await page5.selectOption('#c-programme', 'cyber_mitan');
    await page5.fill('#c-starts', '2026-12-01');
    await page5.fill('#c-ends', '2026-12-31');
    await Promise.all([page5.waitForURL(/saved=1/), page5.click('form[action="/admin/set/campaign"] button')]);
    await page5.selectOption('#t-campaign', 'cyber-mitan-dec');
    await page5.fill('#t-subject', 'BSP-PS-KONI');
    await page5.fill('#t-volunteers', '250');
    await Promise.all([page5.waitForURL(/saved=1/), page5.click('form[action="/admin/set/target"] button')]);
    await page5.fill('#n-version', '2');
    await page5.fill('#n-text', 'सूचना 2: आपका नाम और मोबाइल नंबर मितान सूची में रखा जाएगा।');
    await Promise.all([page5.waitForURL(/saved=1/), page5.click('form[action="/admin/set/notice"] button')]);
    await page5.check('input[type=checkbox][name=adults_only]');
    await Promise.all([page5.waitForURL(/saved=1/), page5.click('form[action="/admin/set/policy"] button')]);
    await page5.fill('#p-code', 'nasha_mukti');
    await page5.fill('#p-name-hi', 'नशा मुक्ति अभियान');
    await page5.fill('#p-name-en', 'Nasha Mukti Abhiyan');
    await Promise.all([page5.waitForURL(/saved=1/), page5.click('form[action="/admin/set/programme"] button')]);
    const settings = await page5.locator('main').innerText();
    check(settings.includes('cyber-mitan-dec') && settings.includes('BSP-PS-KONI: 250') && settings.includes('hi v2'), `admin page: ${settings}`);
    check(settings.includes('नशा मुक्ति अभियान') && settings.includes('nasha_mukti'), `the district's programme: ${settings}`);
    check(await page5.isChecked('input[type=checkbox][name=adults_only]'), 'the policy was not saved');
    await page5.goto(`${url}/progress?campaign=cyber-mitan-dec`);
    check((await page5.locator('main').innerText()).includes('250'), 'the campaign target in progress');
    // A phone receives the new notice and policy at its next sync.
    field('sync');
    await admin.close();
    step('district admin: a campaign with a 250 target for Koni, Hindi notice v2, adults-only and the programme Nasha Mukti saved; progress counts against the target');
    step(`district admin: a hierarchy with bad lines refused, ${refused} lines shown with line and column, nothing stored; a good one saved`);

    // 12. The DGP's monitoring cell, in English: the state rolled up by zone, range and district
    // with the lagging units first; a range opened, and the language switched to Hindi there;
    // no form that writes on any page of theirs.
    const cell = await browser.newContext();
    const page6 = await cell.newPage();
    await page6.goto(`${url}/language?set=en&back=/sign-in`);
    await signIn(page6, 'CG-0010');
    check(page6.url().endsWith('/progress'), `the cell after sign-in: ${page6.url()}`);
    check(await page6.locator('h1').innerText() === 'Progress', 'the cell\'s progress in English');
    check((await page6.locator('header .who').innerText()).includes('PHQ monitoring cell'), 'the cell\'s role');
    const state = await unitTables(page6);
    const units = state.Unit || [];
    const row = (code) => units.find((unit) => unit.code === code);
    const shown = units.map((unit) => unit.code).join(' ');
    check(shown === 'CG CG-BSP BSP CG-N CG-DRG DRG', `the state down to its districts: ${shown}`);
    check(row('CG-N').kind === 'Zone' && row('CG-DRG').kind === 'Range' && row('DRG').kind === 'District', `kinds: ${JSON.stringify(units)}`);
    check(row('DRG').enrolled === 2 && row('CG-DRG').enrolled === 2 && row('CG-N').enrolled === 2, `Durg's two: ${JSON.stringify(units)}`);
    check(row('BSP').enrolled > 0 && row('CG-BSP').enrolled === row('BSP').enrolled, `Bilaspur rolled up: ${JSON.stringify(units)}`);
    check(row('CG').enrolled === row('CG-BSP').enrolled + row('CG-N').enrolled, `the state is the sum of its ranges: ${JSON.stringify(units)}`);
    check(row('CG').target === row('BSP').target + row('DRG').target, `the state's target: ${JSON.stringify(units)}`);
    const lagging = (state.Lagging || []).map((unit) => unit.code);
    check(lagging.includes('DRG') && lagging.includes('BSP'), `lagging units: ${lagging}`);
    check(await page6.locator('a[href="/admin"], a[href="/exports"]').count() === 0, 'administration or exports offered to the cell');
    await accessibility(page6, 'state progress');
    step(`monitoring cell CG-0010: the state by zone, range and district (${shown}); lagging first: ${lagging.join(' ')}`);

    await Promise.all([page6.waitForURL(/unit=CG-DRG/), page6.click('main a:has-text("Durg Range") >> nth=-1')]);
    const range = (await unitTables(page6)).Unit.map((unit) => unit.code).join(' ');
    check(range === 'CG-DRG DRG', `Durg's range: ${range}`);
    check(await page6.locator('main a[href="/progress?unit=CG-N"]').count() === 1, 'one level up, to the zone');
    await page6.click('header a.lang');
    check(page6.url().endsWith('/progress?unit=CG-DRG'), `the switch came back elsewhere: ${page6.url()}`);
    check(await page6.locator('h1').innerText() === 'प्रगति', 'switched to Hindi');
    const hindi = await page6.locator('main').innerText();
    check(hindi.includes('दुर्ग रेंज') && hindi.includes('ज़िला') && hindi.includes('एक स्तर ऊपर'), `Durg's range in Hindi: ${hindi}`);
    await Promise.all([page6.waitForURL(/unit=DRG/), page6.click('main a[href="/progress?unit=DRG"] >> nth=-1')]);
    const district = await page6.locator('main').innerText();
    check(district.includes('DRG-PS-BHILAI') && district.includes('CG-601'), `Durg down to its stations and constables: ${district}`);
    step('the cell opens Durg Range (one level up to North Zone), switches to Hindi there, and opens Durg district down to its constable');

    for (const path of ['/progress', '/review', '/duplicates', '/devices', `/volunteers/${ids.vikas}`]) {
      await page6.goto(`${url}${path}`);
      check(await writingForms(page6) === 0, `${path} offers the cell a form that writes`);
      check(await page6.locator('input[type=checkbox][form=bulk]').count() === 0, `${path} offers boxes to verify`);
    }
    await page6.goto(`${url}/review`);
    check(await page6.locator('main tbody tr').count() >= 2, 'the cell reads the queue');
    await accessibility(page6, 'review, read-only');
    await cell.close();
    step('the cell reads the queue, duplicates, devices and a volunteer with no form that writes');

    // 13. Bilaspur's range IG sees their range and cannot open Durg's.
    const ig = await browser.newContext();
    const page7 = await ig.newPage();
    await signIn(page7, 'CG-0101');
    const own = (await unitTables(page7))['इकाई'] || [];
    check(own.map((unit) => unit.code).join(' ') === 'CG-BSP BSP', `the IG's range: ${JSON.stringify(own)}`);
    const refusedRange = await page7.goto(`${url}/progress?unit=CG-DRG`);
    check(refusedRange.status() === 403, `the IG opening Durg's range: ${refusedRange.status()}`);
    const refusedDistrict = await page7.goto(`${url}/progress?unit=DRG`);
    check(refusedDistrict.status() === 403, `the IG opening Durg: ${refusedDistrict.status()}`);
    check(!(await page7.locator('main').innerText()).includes('DRG-PS-BHILAI'), 'Durg shown to Bilaspur\'s IG');
    await ig.close();
    step('range IG CG-0101: Bilaspur\'s range only; 403 opening Durg\'s range or district');

    // 14. Five wrong passwords lock the badge, even against the right one.
    const guess = await browser.newContext();
    const page3 = await guess.newPage();
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await signIn(page3, 'CG-900', `wrong-password-${attempt}`);
      check((await page3.locator('.error').innerText()).includes('गलत'), `attempt ${attempt}`);
    }
    await signIn(page3, 'CG-900');
    check((await page3.locator('.error').innerText()).includes('15'), 'the badge is locked');
    check(!page3.url().endsWith('/progress'), 'signed in while locked');
    await guess.close();
    step('five wrong passwords lock CG-900: the right one is refused for 15 minutes');

    console.log(`console passed: first page ${firstPage} B, an action ${action} B, no script ran`);
  } finally {
    await browser.close();
  }
})().catch((error) => {
  console.error(`FAIL ${error.message}`);
  process.exit(1);
});
