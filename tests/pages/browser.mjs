// tests/pages/browser.mjs - the dashboard in a real browser: Playwright (playwright-core) driving Debian's chromium
//
// Run by tests/groups/pages.py against a real `mailsec serve` it set up; reads
// PAGES_CONFIG (JSON: base URL, users, domains, artefacts directory) and prints
// one JSON line per check: {"name": ..., "ok": true|false, "detail": ...}.
// Every page is screenshotted into the artefacts directory and run through
// axe-core (no violation of impact serious or critical).  Stranger-written
// fields carry payloads that would set window.__xss; it must stay unset and the
// payload text must show as text.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(import.meta.url);
const cfg = JSON.parse(process.env.PAGES_CONFIG);
const { chromium } = require(path.join(cfg.root, "node_modules", "playwright-core"));
const axeSource = fs.readFileSync(path.join(cfg.root, "node_modules", "axe-core", "axe.min.js"), "utf8");

const results = [];
function check(name, ok, detail) {
  results.push({ name, ok: !!ok, detail: ok ? "" : String(detail || "") });
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
const fired = [];

async function newPage() {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await ctx.newPage();
  page.on("dialog", (d) => { fired.push("dialog: " + d.message()); d.dismiss().catch(() => {}); });
  page.on("pageerror", (e) => fired.push("pageerror: " + e.message));
  return { ctx, page };
}

async function signIn(page, user, password) {
  await page.goto(cfg.base + "/login");
  await page.fill("#user", user);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
}

// axe - serious and critical violations on the page now
async function axe(page) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const out = await axe.run(document, { resultTypes: ["violations"] });
    return out.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "));
  });
  return r;
}

// visit - go to url, the status, a screenshot, axe, and the XSS flag
async function visit(page, name, url, want = 200) {
  const resp = await page.goto(cfg.base + url);
  const st = resp ? resp.status() : 0;
  check(name + ": " + url + " answers " + want, st === want, "status " + st);
  await page.screenshot({ path: path.join(cfg.artefacts, name + ".png"), fullPage: true });
  const v = await axe(page);
  check(name + ": axe finds no serious or critical violation", v.length === 0, v.join("; "));
  const flag = await page.evaluate(() => window.__xss);
  check(name + ": no payload ran", flag === undefined && fired.length === 0, "window.__xss=" + flag + " " + fired.join("; "));
  return st;
}

// hostileTls - the domain whose MX certificate and MTA-STS policy carry markup (cfg.mode "hostile-tls")
async function hostileTls() {
  const { ctx, page } = await newPage();
  await signIn(page, cfg.alice[0], cfg.alice[1]);
  // the in-process monitor probes the MX and fetches the policy: wait for its result
  let text = "";
  for (let i = 0; i < cfg.wait * 4; i++) {
    await page.goto(cfg.base + "/domains/" + cfg.domain + "/tls");
    text = await page.locator("main").textContent();
    if (text.includes(cfg.mx)) break;
    await page.waitForTimeout(250);
  }
  await visit(page, "tls-hostile", "/domains/" + cfg.domain + "/tls");
  text = await page.locator("#cert-h + table").textContent();
  check("tls: the MX certificate's subject CN written as markup shows as text", text.includes(cfg.cert_cn), text.slice(0, 600));
  check("tls: the MX certificate's subject O written as markup shows as text", text.includes(cfg.cert_o), text.slice(0, 600));
  await visit(page, "domain-hostile-tls", "/domains/" + cfg.domain);
  text = await page.locator("main").textContent();
  check("domain: the MTA-STS policy's mx written as markup shows as text", text.includes(cfg.sts_mx), text.slice(0, 1500));
  check("no payload ran on any page", fired.length === 0, fired.join("; "));
  await ctx.close();
}

// mainFlow - every page of workspaces A and B, signed in as each kind of user
async function mainFlow() {
  const { ctx, page } = await newPage();
  // signed out: every page sends to the sign-in form
  await page.goto(cfg.base + "/");
  check("signed out: / goes to /login", page.url().endsWith("/login"), page.url());
  await page.screenshot({ path: path.join(cfg.artefacts, "login.png"), fullPage: true });
  const lv = await axe(page);
  check("login: axe finds no serious or critical violation", lv.length === 0, lv.join("; "));
  await signIn(page, cfg.alice[0], cfg.alice[1]);
  check("sign in: lands on the fleet overview", new URL(page.url()).pathname === "/", page.url());

  // the fleet overview with data
  await visit(page, "overview", "/");
  const rows = await page.locator("table.fleet tbody th[scope=row]").allTextContents();
  check("overview: every domain of the workspace, none of another's", JSON.stringify(rows.sort()) ===
    JSON.stringify(cfg.domains_a.slice().sort()), JSON.stringify(rows));
  const grades = await page.locator("table.fleet tbody .grade").allTextContents();
  check("overview: a grade per domain from the monitor", grades.length === rows.length &&
    grades.every((g) => /^[A-F?]/.test(g.trim())), JSON.stringify(grades));
  check("overview: grades per area", (await page.locator("table.fleet .area").count()) > 0, "none");

  // search, filters, sort, CSV export
  await page.fill("#f-q", cfg.hostile);
  await Promise.all([page.waitForNavigation(), page.click(".filters button[type=submit]")]);
  let names = await page.locator("table.fleet tbody th[scope=row]").allTextContents();
  check("overview: search by name", JSON.stringify(names) === JSON.stringify([cfg.hostile]), JSON.stringify(names));
  await page.goto(cfg.base + "/?finding=dmarc.&severity=error");
  names = await page.locator("table.fleet tbody th[scope=row]").allTextContents();
  check("overview: filter by finding id and severity", names.length > 0 && names.length < rows.length &&
    !names.includes(cfg.good), JSON.stringify(names));
  await page.goto(cfg.base + "/?area=spf");
  names = await page.locator("table.fleet tbody th[scope=row]").allTextContents();
  check("overview: filter by area", names.length > 0, JSON.stringify(names));
  await page.goto(cfg.base + "/?grade=" + cfg.good_grade);
  names = await page.locator("table.fleet tbody th[scope=row]").allTextContents();
  check("overview: filter by grade", names.includes(cfg.good) && !names.includes(cfg.hostile), JSON.stringify(names));
  await page.goto(cfg.base + "/?page=9");
  names = await page.locator("table.fleet tbody th[scope=row]").allTextContents();
  check("overview: a page past the end shows the last one", names.length === rows.length &&
    (await page.locator("a[rel=next]").count()) === 0, JSON.stringify(names));
  await page.goto(cfg.base + "/?sort=errors");
  names = await page.locator("table.fleet tbody th[scope=row]").allTextContents();
  const errs = (await page.locator("table.fleet tbody tr td.num:nth-of-type(3)").allTextContents()).map(Number);
  check("overview: sort by errors, most first", errs.every((e, i) => i === 0 || errs[i - 1] >= e), JSON.stringify(errs));
  await page.goto(cfg.base + "/?q=" + encodeURIComponent(cfg.good));
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("text=Export CSV")]);
  const csv = fs.readFileSync(await dl.path(), "utf8");
  check("overview: CSV export keeps the filter", csv.startsWith("domain,grade,") && csv.includes('"' + cfg.good + '"') &&
    !csv.includes(cfg.hostile), csv.slice(0, 300));

  // the domain pages
  await visit(page, "domain", "/domains/" + cfg.good);
  check("domain: findings with evidence and the record to publish",
    (await page.locator(".finding").count()) > 0 && (await page.locator("pre.evidence").count()) > 0,
    "no findings or evidence");
  check("domain: records as published", (await page.locator("#rec-h + table tbody td pre").count()) > 0, "none");
  check("domain: history of events", (await page.locator("#ev-h + table tbody tr").first().textContent()).includes("first-check"),
    await page.locator("#ev-h + table").textContent());
  await visit(page, "domain-hostile", "/domains/" + cfg.hostile);
  const body = await page.locator("main").textContent();
  check("domain-hostile: record text of a hostile zone shows as text", body.includes(cfg.payload_txt), body.slice(0, 500));
  // check now: queued or running, then the result
  await page.goto(cfg.base + "/domains/" + cfg.good);
  await Promise.all([page.waitForNavigation(), page.click("text=Check now")]);
  const s1 = (await page.locator("#check-state").textContent()).trim();
  check("check now: the page shows it queued or running", ["queued", "running", "done"].includes(s1), s1);
  let s2 = s1;
  for (let i = 0; i < 60 && s2 !== "done"; i++) {
    await page.waitForTimeout(250);
    await page.reload();
    s2 = (await page.locator("#check-state").textContent()).trim();
  }
  check("check now: then its result", s2 === "done", s2);
  await page.screenshot({ path: path.join(cfg.artefacts, "domain-checked.png"), fullPage: true });

  // reports: the chart, sources, alignment, reporters, readiness; the date range
  await visit(page, "reports", "/domains/" + cfg.good + "/reports");
  check("reports: the five-category chart", (await page.locator(".chart svg[role=img]").count()) === 1 &&
    (await page.locator(".chart svg title").first().textContent()).length > 0, "no chart");
  const rtext = await page.locator("main").textContent();
  for (const w of ["Fully trusted", "Partially trusted", "Untrusted", "Quarantined", "Rejected"])
    check("reports: legend has " + w, rtext.includes(w), "missing");
  check("reports: reporter org_name payload shows as text", rtext.includes(cfg.payload_org), rtext.slice(0, 400));
  // reverse names: looked up by the monitor (FCrDNS) into the store, read by the page; a stranger's name is text
  const ptrs = {};
  for (const row of await page.locator("#src-h + table tbody tr").all()) {
    const cells = await row.locator("td").allTextContents();
    ptrs[cells[0]] = cells[1].trim();
  }
  for (const [ip, want] of Object.entries(cfg.ptrs))
    check("reports: the reverse name of " + ip + " is " + want, ptrs[ip] === want, JSON.stringify(ptrs));
  check("reports: a reverse name written as markup shows as text", rtext.includes(cfg.payload_ptr), rtext.slice(0, 400));
  check("reports: alignment rates and verdict", /SPF aligned [0-9.]+%/.test(rtext) && (await page.locator(".verdict").count()) === 1, "none");
  const allDays = await page.locator("details table tbody tr").count();
  await page.fill("#r-from", cfg.range[0]);
  await page.fill("#r-to", cfg.range[1]);
  await Promise.all([page.waitForNavigation(), page.click(".filters button[type=submit]")]);
  const rangeDays = await page.locator("details table tbody tr").count();
  check("reports: the date range narrows the chart", rangeDays > 0 && rangeDays < allDays, allDays + " -> " + rangeDays);
  // every part of the page honours the range, not only the chart
  const want = cfg.range_expect;
  const rr = await page.locator("main").textContent();
  check("reports: the date range bounds the totals and alignment",
    rr.includes(want.messages + " messages in " + want.reports + " aggregate reports"), rr.slice(0, 600));
  const topRow = await page.locator("#src-h + table tbody tr").first().locator("td").allTextContents();
  check("reports: the date range bounds the sources", topRow[0] === "192.0.2.25" && Number(topRow[3]) === want.top,
    JSON.stringify(topRow));
  const reps = await page.locator("#rep-h + table tbody tr").allTextContents();
  const repSum = (await page.locator("#rep-h + table tbody tr td:nth-of-type(2)").allTextContents())
    .reduce((a, x) => a + Number(x), 0);
  check("reports: the date range bounds the reporters", repSum === want.reports, JSON.stringify(reps));
  check("reports: the readiness verdict is of the range", (await page.locator(".verdict").count()) === 1, "none");
  await page.screenshot({ path: path.join(cfg.artefacts, "reports-range.png"), fullPage: true });
  await visit(page, "reports-testdata", "/domains/" + cfg.testdata_domain + "/reports");
  await visit(page, "tls", "/domains/" + cfg.good + "/tls");
  const ttext = await page.locator("main").textContent();
  check("tls: TLS-RPT failures by type and MX", ttext.includes("certificate-expired") && ttext.includes(cfg.tls_mx), ttext.slice(0, 300));
  const tlsAll = await page.locator("#tc-h ~ table tbody tr").count();
  await page.fill("#t-from", cfg.range[0]);
  await page.fill("#t-to", cfg.range[1]);
  await Promise.all([page.waitForNavigation(), page.click(".filters button[type=submit]")]);
  const tr = await page.locator("main").textContent();
  const tlsRange = await page.locator("#tc-h ~ table tbody tr").count();
  check("tls: the date range bounds the failures", tr.includes(cfg.range_expect.tls_reports + " TLS reports") &&
    tr.includes(cfg.range_expect.tls_failed + " failed") && tlsRange === cfg.range_expect.tls_reports && tlsRange < tlsAll,
    tlsAll + " -> " + tlsRange + ": " + tr.slice(0, 400));
  await page.screenshot({ path: path.join(cfg.artefacts, "tls-range.png"), fullPage: true });
  await visit(page, "events", "/events");
  check("events: the workspace's events", (await page.locator("main table tbody tr").count()) >= cfg.domains_a.length, "few");

  // notification settings: list, add (email, then a webhook whose URL carries markup), errors in the form, remove
  await visit(page, "settings", "/settings/notifications");
  check("settings: no targets yet, and the form", (await page.locator("table.targets tbody form").count()) === 0 &&
    (await page.locator("#n-address").count()) === 1, "unexpected");
  await page.fill("#n-address", "ops@good.test");
  await page.check("#d-daily");
  await page.uncheck("#t-record");
  await Promise.all([page.waitForNavigation(), page.click("text=Add the target")]);
  let st = await page.locator("table.targets tbody").textContent();
  check("settings: an email target added with its triggers and digest", st.includes("ops@good.test") &&
    st.includes("digest-daily") && !st.includes("record") && st.includes("error"), st);
  await page.check("#k-webhook");
  await page.fill("#n-address", "http://hooks.good.test/x");
  await page.fill("#n-secret", "0123456789abcdef0123");
  const [bad] = await Promise.all([page.waitForNavigation(), page.click("text=Add the target")]);
  check("settings: a webhook that is not https:// is refused in the form", bad.status() === 400 &&
    (await page.locator("#form-error").count()) === 1 && (await page.inputValue("#n-address")) === "http://hooks.good.test/x" &&
    (await page.isChecked("#k-webhook")), bad.status());
  await page.screenshot({ path: path.join(cfg.artefacts, "settings-error.png"), fullPage: true });
  const ev = await axe(page);
  check("settings-error: axe finds no serious or critical violation", ev.length === 0, ev.join("; "));
  await page.fill("#n-address", cfg.payload_hook);
  await page.fill("#n-secret", "short");
  await Promise.all([page.waitForNavigation(), page.click("text=Add the target")]);
  check("settings: a webhook without a long enough secret is refused", (await page.locator("#form-error").textContent()).includes("secret"),
    await page.locator("main").textContent());
  await page.fill("#n-secret", "0123456789abcdef0123");
  await Promise.all([page.waitForNavigation(), page.click("text=Add the target")]);
  st = await page.locator("table.targets tbody").textContent();
  check("settings: a webhook target added; its URL's markup shows as text", st.includes(cfg.payload_hook) &&
    (await page.evaluate(() => window.__xss)) === undefined, st);
  check("settings: the secret is never shown", !(await page.content()).includes("0123456789abcdef0123"), "shown");
  await visit(page, "settings-targets", "/settings/notifications");
  const nt = await page.locator("table.targets tbody form").count();
  await Promise.all([page.waitForNavigation(), page.locator("table.targets tbody form button").first().click()]);
  check("settings: a target removed through the form", (await page.locator("table.targets tbody form").count()) === nt - 1,
    nt + " -> " + (await page.locator("table.targets tbody form").count()));
  const csrf = await page.locator("input[name=csrf]").first().inputValue();
  const noTok = await page.request.post(cfg.base + "/settings/notifications?workspace=A",
    { form: { kind: "email", address: "x@good.test", trigger: "error" } });
  check("settings: a form without its CSRF token is refused", noTok.status() === 403, noTok.status());
  const otherSet = await page.request.get(cfg.base + "/settings/notifications?workspace=B");
  const missingPage = await page.request.get(cfg.base + "/domains/missing.test");
  check("tenancy: B's notification settings are 404 as a missing page", otherSet.status() === 404 &&
    (await otherSet.text()) === (await missingPage.text()), otherSet.status());
  const otherRm = await page.request.post(cfg.base + "/settings/notifications/" + cfg.target_b + "/remove?workspace=A",
    { form: { csrf } });
  check("tenancy: B's target cannot be removed from A", otherRm.status() === 404 && cfg.target_b > 0, otherRm.status());
  const otherAdd = await page.request.post(cfg.base + "/settings/notifications?workspace=B",
    { form: { csrf, kind: "email", address: "x@good.test", trigger: "error" } });
  check("tenancy: no target added to B from A", otherAdd.status() === 404, otherAdd.status());

  // tenancy: another workspace's page is the missing one's, byte for byte
  const other = await page.request.get(cfg.base + "/domains/" + cfg.domain_b);
  const missing = await page.request.get(cfg.base + "/domains/missing.test");
  check("tenancy: B's domain page is 404 as a missing one", other.status() === 404 && missing.status() === 404 &&
    (await other.text()) === (await missing.text()), other.status() + " " + missing.status());
  for (const suffix of ["/reports", "/tls"]) {
    const o = await page.request.get(cfg.base + "/domains/" + cfg.domain_b + suffix);
    check("tenancy: B's " + suffix + " is 404", o.status() === 404 && (await o.text()) === (await missing.text()), o.status());
  }
  const unproved = await page.request.get(cfg.base + "/domains/" + cfg.hostile + "/reports");
  check("reports: 404 until ownership is proved", unproved.status() === 404 && (await unproved.text()) === (await missing.text()),
    unproved.status());
  await visit(page, "notfound", "/domains/" + cfg.domain_b, 404);

  // sign out
  await page.goto(cfg.base + "/");
  await Promise.all([page.waitForNavigation(), page.click("text=Sign out")]);
  check("sign out: back at the sign-in form", page.url().endsWith("/login"), page.url());
  await page.goto(cfg.base + "/domains/" + cfg.good);
  check("sign out: pages need signing in again", page.url().endsWith("/login"), page.url());
  await ctx.close();

  // bob (workspace B) sees his, not A's
  const b = await newPage();
  await signIn(b.page, cfg.bob[0], cfg.bob[1]);
  const r1 = await b.page.goto(cfg.base + "/domains/" + cfg.good);
  check("tenancy: B's member gets 404 for A's domain", r1.status() === 404, r1.status());
  const r2 = await b.page.goto(cfg.base + "/");
  const bn = await b.page.locator("table.fleet tbody th[scope=row]").allTextContents();
  check("tenancy: B's overview lists only B's", r2.status() === 200 && JSON.stringify(bn) === JSON.stringify([cfg.domain_b]),
    JSON.stringify(bn));
  await b.ctx.close();

  // a viewer reads the notification settings, without the forms, and may not post to them
  const v = await newPage();
  await signIn(v.page, cfg.viewer[0], cfg.viewer[1]);
  await visit(v.page, "settings-viewer", "/settings/notifications");
  check("settings: a viewer sees the targets without the forms", (await v.page.locator("table.targets tbody tr").count()) >= 1 &&
    (await v.page.locator("main form").count()) === 0, await v.page.locator("main").textContent());
  const vcsrf = await v.page.locator("header input[name=csrf]").inputValue();
  const vpost = await v.page.request.post(cfg.base + "/settings/notifications?workspace=A",
    { form: { csrf: vcsrf, kind: "email", address: "v@good.test", trigger: "error" } });
  check("settings: a viewer's POST is refused", vpost.status() === 403, vpost.status());
  await v.ctx.close();

  // admin: users, workspaces, domains, tokens, proofs; a vouch and a revoke through the forms
  const a = await newPage();
  await signIn(a.page, cfg.admin[0], cfg.admin[1]);
  await visit(a.page, "admin", "/admin");
  const at = await a.page.locator("main").textContent();
  check("admin: users, workspaces, domains, tokens and proofs listed", ["alice", "bob", cfg.domain_b, cfg.good,
    "vouched by an admin"].every((x) => at.includes(x)), at.slice(0, 400));
  const before = await a.page.request.get(cfg.base + "/domains/" + cfg.hostile + "/reports?workspace=A");
  await a.page.fill("#v-ws", "A");
  await a.page.fill("#v-dom", cfg.hostile);
  await Promise.all([a.page.waitForNavigation(), a.page.click("text=Vouch that the workspace controls the domain")]);
  const after = await a.page.request.get(cfg.base + "/domains/" + cfg.hostile + "/reports?workspace=A");
  check("admin: a vouch through the form opens the domain's reports", before.status() === 404 && after.status() === 200,
    before.status() + " -> " + after.status());
  const revokes = await a.page.locator("form[action$='/revoke'] button").count();
  await Promise.all([a.page.waitForNavigation(), a.page.locator("form[action$='/revoke'] button").first().click()]);
  check("admin: a token revoked through the form", (await a.page.locator("form[action$='/revoke'] button").count()) === revokes - 1,
    revokes + " -> " + (await a.page.locator("form[action$='/revoke'] button").count()));
  const noCsrf = await a.page.request.post(cfg.base + "/admin/proofs", { form: { workspace: "A", domain: cfg.good } });
  check("admin: a form without its CSRF token is refused", noCsrf.status() === 403, noCsrf.status());
  // a new user from the admin page: errors in the form, then a generated password shown once that signs in
  await a.page.goto(cfg.base + "/admin");
  await a.page.fill("#nu-name", "alice");
  await a.page.fill("#nu-ws", "A");
  const [dup] = await Promise.all([a.page.waitForNavigation(), a.page.click("text=Add the user")]);
  check("admin: a user name taken already is refused in the form", dup.status() === 409 &&
    (await a.page.locator("#user-error").count()) === 1, dup.status());
  await a.page.fill("#nu-name", "carol");
  await a.page.fill("#nu-ws", "A, nosuch");
  const [nows] = await Promise.all([a.page.waitForNavigation(), a.page.click("text=Add the user")]);
  check("admin: a workspace that does not exist is refused, nothing made", nows.status() === 400 &&
    !(await a.page.locator("#u-h ~ table").textContent()).includes("carol"), nows.status());
  await a.page.fill("#nu-ws", "A");
  await a.page.selectOption("#nu-role", "member");
  const [made] = await Promise.all([a.page.waitForNavigation(), a.page.click("text=Add the user")]);
  const pw = (await a.page.locator("#new-password").textContent()).trim();
  check("admin: a user made with a generated password shown once", made.status() === 201 && /^[A-Za-z0-9_-]{24}$/.test(pw) &&
    made.headers()["cache-control"] === "no-store", made.status() + " " + pw);
  await a.page.screenshot({ path: path.join(cfg.artefacts, "admin-created.png"), fullPage: true });
  const av = await axe(a.page);
  check("admin-created: axe finds no serious or critical violation", av.length === 0, av.join("; "));
  const ut = await a.page.locator("#u-h ~ table").textContent();
  check("admin: the new user listed with its role and workspace", /carol\s*member\s*A/.test(ut), ut);
  await a.page.goto(cfg.base + "/admin");
  check("admin: the password is not shown again", (await a.page.locator("#new-password").count()) === 0 &&
    !(await a.page.content()).includes(pw), "shown");
  const acsrf = await a.page.locator("header input[name=csrf]").inputValue();
  const nu = await a.page.request.post(cfg.base + "/admin/users", { form: { name: "dave", role: "member" } });
  check("admin: a new user without the CSRF token is refused", nu.status() === 403, nu.status());
  const nr = await a.page.request.post(cfg.base + "/admin/users", { form: { csrf: acsrf, name: "dave", role: "owner" } });
  check("admin: an unknown role is refused", nr.status() === 400, nr.status());
  const cw = await newPage();
  await signIn(cw.page, "carol", pw);
  check("admin: the new user signs in with the password shown", new URL(cw.page.url()).pathname === "/", cw.page.url());
  const cn = await cw.page.locator("table.fleet tbody th[scope=row]").allTextContents();
  check("admin: the new user is a member of the workspace given", JSON.stringify(cn.sort()) ===
    JSON.stringify(cfg.domains_a.slice().sort()), JSON.stringify(cn));
  await cw.ctx.close();
  await a.ctx.close();
  const c = await newPage();
  await signIn(c.page, cfg.alice[0], cfg.alice[1]);
  const ar = await c.page.goto(cfg.base + "/admin");
  check("admin: a member gets the 404 page", ar.status() === 404, ar.status());
  check("admin: no Admin link for a member", (await c.page.locator("a[href='/admin']").count()) === 0, "shown");
  await c.page.goto(cfg.base + "/");
  const ccsrf = await c.page.locator("header input[name=csrf]").inputValue();
  const mu = await c.page.request.post(cfg.base + "/admin/users", { form: { csrf: ccsrf, name: "eve", role: "admin" } });
  check("admin: a member cannot make users", mu.status() === 404, mu.status());
  await c.ctx.close();
  await writesFlow();
  check("no payload ran on any page", fired.length === 0, fired.join("; "));
}

// shot - a screenshot of the page as it is and axe on it
async function shot(page, name) {
  await page.screenshot({ path: path.join(cfg.artefacts, name + ".png"), fullPage: true });
  const v = await axe(page);
  check(name + ": axe finds no serious or critical violation", v.length === 0, v.join("; "));
}

// writesFlow - domains and API tokens from the overview (writers), workspaces from /admin (admins)
async function writesFlow() {
  const m = await newPage();
  await signIn(m.page, cfg.alice[0], cfg.alice[1]);
  const missing = await m.page.request.get(cfg.base + "/domains/missing.test");
  await m.page.goto(cfg.base + "/?workspace=A");
  await m.page.fill("#add-names", "new1.test, bad..name");
  const [bad] = await Promise.all([m.page.waitForNavigation(), m.page.click("text=Add the domains")]);
  check("domains: a bad name comes back in the form, nothing added", bad.status() === 400 &&
    (await m.page.locator("#domains-error").count()) === 1 && (await m.page.inputValue("#add-names")).includes("bad..name") &&
    !(await m.page.locator("table.fleet tbody").textContent()).includes("new1.test"), bad.status());
  await shot(m.page, "overview-domains-error");
  await m.page.fill("#add-names", "New1.test\nnew2.test");
  const [ok] = await Promise.all([m.page.waitForNavigation(), m.page.click("text=Add the domains")]);
  let rows = await m.page.locator("table.fleet tbody th[scope=row]").allTextContents();
  check("domains: several added through the form", ok.status() === 200 && rows.includes("new1.test") &&
    rows.includes("new2.test"), ok.status() + " " + JSON.stringify(rows));
  await shot(m.page, "overview-domains-added");
  await Promise.all([m.page.waitForNavigation(), m.page.click("button[aria-label='Remove new2.test']")]);
  rows = await m.page.locator("table.fleet tbody th[scope=row]").allTextContents();
  check("domains: one removed through the form", !rows.includes("new2.test") && rows.includes("new1.test"), JSON.stringify(rows));
  const mcsrf = await m.page.locator("header input[name=csrf]").inputValue();
  const nc = await m.page.request.post(cfg.base + "/domains?workspace=A", { form: { names: "x.test" } });
  const nr = await m.page.request.post(cfg.base + "/domains/new1.test/remove?workspace=A", { form: {} });
  const nt = await m.page.request.post(cfg.base + "/tokens?workspace=A", { form: {} });
  check("domains and tokens: a form without its CSRF token is refused", nc.status() === 403 && nr.status() === 403 &&
    nt.status() === 403, nc.status() + " " + nr.status() + " " + nt.status());
  const ob = await m.page.request.post(cfg.base + "/domains/" + cfg.domain_b + "/remove?workspace=A", { form: { csrf: mcsrf } });
  check("tenancy: B's domain cannot be removed from A (404 as a missing one)", ob.status() === 404 &&
    (await ob.text()) === (await missing.text()), ob.status());
  const oa = await m.page.request.post(cfg.base + "/domains?workspace=B", { form: { csrf: mcsrf, names: "x.test" } });
  const ot = await m.page.request.post(cfg.base + "/tokens?workspace=B", { form: { csrf: mcsrf } });
  check("tenancy: no domain added to nor token made for B from A", oa.status() === 404 && ot.status() === 404,
    oa.status() + " " + ot.status());
  await m.page.goto(cfg.base + "/?workspace=A");
  const [tr] = await Promise.all([m.page.waitForNavigation(), m.page.click("text=Make an API token for this workspace")]);
  const tok = (await m.page.locator("#new-token").textContent()).trim();
  check("tokens: a token made and shown once", tr.status() === 201 && /^mst_[0-9a-f]{64}$/.test(tok) &&
    tr.headers()["cache-control"] === "no-store", tr.status() + " " + tok);
  await shot(m.page, "overview-token");
  const use = await m.page.request.get(cfg.base + "/api/v1/domains", { headers: { Authorization: "Bearer " + tok } });
  const used = use.status() === 200 ? (await use.json()).domains.map((d) => d.name) : [];
  check("tokens: the token shown reads the workspace through the API", used.includes("new1.test") && !used.includes(cfg.domain_b),
    use.status() + " " + JSON.stringify(used));
  await m.page.goto(cfg.base + "/?workspace=A");
  check("tokens: the token is not shown again", !(await m.page.content()).includes(tok), "shown");
  await m.ctx.close();

  const v = await newPage();
  await signIn(v.page, cfg.viewer[0], cfg.viewer[1]);
  await v.page.goto(cfg.base + "/?workspace=A");
  check("domains: a viewer sees no add, remove or token form", (await v.page.locator("#add-names").count()) === 0 &&
    (await v.page.locator("form[action*='/remove']").count()) === 0 && (await v.page.locator("form[action^='/tokens']").count()) === 0,
    "shown");
  const vcsrf = await v.page.locator("header input[name=csrf]").inputValue();
  const va = await v.page.request.post(cfg.base + "/domains?workspace=A", { form: { csrf: vcsrf, names: "x.test" } });
  const vr = await v.page.request.post(cfg.base + "/domains/new1.test/remove?workspace=A", { form: { csrf: vcsrf } });
  const vt = await v.page.request.post(cfg.base + "/tokens?workspace=A", { form: { csrf: vcsrf } });
  check("domains and tokens: a viewer's POST is refused (403)", va.status() === 403 && vr.status() === 403 && vt.status() === 403,
    va.status() + " " + vr.status() + " " + vt.status());
  await v.ctx.close();

  const a = await newPage();
  await signIn(a.page, cfg.admin[0], cfg.admin[1]);
  await a.page.goto(cfg.base + "/admin");
  await a.page.fill("#nw-name", "bad name!");
  const [wb] = await Promise.all([a.page.waitForNavigation(), a.page.click("text=Add the workspace")]);
  check("workspaces: a bad name comes back in the form", wb.status() === 400 && (await a.page.locator("#ws-error").count()) === 1 &&
    (await a.page.inputValue("#nw-name")) === "bad name!", wb.status());
  await shot(a.page, "admin-workspace-error");
  await a.page.fill("#nw-name", "C");
  const [wc] = await Promise.all([a.page.waitForNavigation(), a.page.click("text=Add the workspace")]);
  const wt = await a.page.locator("#w-h ~ table").textContent();
  check("workspaces: one created through the form", wc.status() === 201 && (await a.page.locator("#ws-created").count()) === 1 &&
    /\bC\b/.test(wt), wc.status() + " " + wt);
  await shot(a.page, "admin-workspace-created");
  await a.page.fill("#nw-name", "A");
  const [wd] = await Promise.all([a.page.waitForNavigation(), a.page.click("text=Add the workspace")]);
  check("workspaces: a name taken already is refused in the form", wd.status() === 409 &&
    (await a.page.locator("#ws-error").count()) === 1, wd.status());
  const acsrf = await a.page.locator("header input[name=csrf]").inputValue();
  const wn = await a.page.request.post(cfg.base + "/admin/workspaces", { form: { name: "D" } });
  check("workspaces: a form without its CSRF token is refused", wn.status() === 403, wn.status());
  const ac = await a.page.request.post(cfg.base + "/domains?workspace=C", { form: { csrf: acsrf, names: "c.test" } });
  check("domains: an admin adds to any workspace", ac.status() === 200 || ac.status() === 303, ac.status());
  await a.ctx.close();
  const c = await newPage();
  await signIn(c.page, cfg.alice[0], cfg.alice[1]);
  const ccsrf = await c.page.locator("header input[name=csrf]").inputValue();
  const mw = await c.page.request.post(cfg.base + "/admin/workspaces", { form: { csrf: ccsrf, name: "E" } });
  check("workspaces: a member cannot make one (404)", mw.status() === 404, mw.status());
  await c.ctx.close();
}

try {
  if (cfg.mode === "hostile-tls")
    await hostileTls();
  else
    await mainFlow();
} catch (e) {
  check("the browser run finished", false, e.stack || e);
} finally {
  await browser.close();
}
for (const r of results) process.stdout.write(JSON.stringify(r) + "\n");
