using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Traceability.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Traceability.IntegrationTests;

/// <summary>
/// People working flags in the portal, in Debian's Chromium, against the real platform: sign-in at Identity, a flag
/// raised by a real shipment (Provenance → bus → Risk), its workflow, scoping, antiforgery and session expiry. Every
/// page visited passes axe-core without serious or critical violations and is photographed.
/// </summary>
[TestFixture]
[Category("Browser")]
public class When_people_use_the_portal
{
    private const string Admin = "admin@portal.test";
    private const string Outsider = "outsider@portal.test";
    private const string OutsiderAuditorId = "aud-outside";
    private const string Leaver = "leaver@portal.test";
    private const string Auditor = "ama@portal.test";
    private const string AuditorId = "ama-mensah";
    private const string Caseworker = "case@portal.test";
    private const string XinjiangMill = "6291041500213";

    private const string ExporterName = "Kakao Export Abidjan";

    private PortalPlatform _platform = null!;
    private ExporterKey _exporter = null!;
    private Guid _flagId;
    private Guid _tieredShipment;
    private string _cooperative = "";

    [OneTimeSetUp]
    public async Task StartPlatformAsync()
    {
        _platform = await PortalPlatform.StartAsync();
        await Task.WhenAll(
            _platform.CreateUserAsync(Admin, [Roles.Admin]),
            _platform.CreateUserAsync(Outsider, [Roles.Auditor], OutsiderAuditorId),
            _platform.CreateUserAsync(Leaver, [Roles.Caseworker]),
            _platform.CreateUserAsync(Auditor, [Roles.Auditor], AuditorId),
            _platform.CreateUserAsync(Caseworker, [Roles.Caseworker]));
        // A real shipment: cocoa from Côte d'Ivoire is on the US DOL list, so Risk raises a high flag over the bus.
        var exporter = _exporter = await ProvenanceAdmin.OnboardAsync(_platform.Provenance, "portal-cocoa");
        using var created = await _platform.Provenance.Http.SendAsync(
            When_an_exporter_records_shipments.Post(exporter, When_an_exporter_records_shipments.Shipment("Cocoa", "CI")));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        // A mill in the Xinjiang Uyghur Autonomous Region: Risk flags the facility itself (UFLPA).
        using var register = new HttpRequestMessage(HttpMethod.Post, "api/v1/facilities")
        {
            Content = new StringContent($$"""{"gln":"{{XinjiangMill}}","name":"Kashgar Cotton Mill","country":"CN","region":"Xinjiang","type":"mill"}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        register.Headers.Add("X-Api-Key", exporter.Key);
        using var mill = await _platform.Provenance.Http.SendAsync(register);
        Assert.That(mill.StatusCode, Is.EqualTo(HttpStatusCode.Created), await mill.Content.ReadAsStringAsync());
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _platform.DisposeAsync();

    private async Task<IPage> PageAsync(string email, string path)
    {
        var person = await _platform.SignedInAsync(email);
        var page = await person.NewPageAsync();
        await page.GotoAsync(_platform.Url(path));
        return page;
    }

    private async Task LookAsync(IPage page, string name)
    {
        await _platform.Browser.AssertAccessibleAsync(page, name);
        await BrowserSession.ScreenshotAsync(page, name);
    }

    [Test, Order(1)]
    public async Task Should_sign_in_at_the_platform_provider_and_keep_the_tokens_on_the_server()
    {
        await using var person = await _platform.Browser.NewPersonAsync();
        var page = await person.NewPageAsync();
        await _platform.SignInAsync(page, Admin);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByText($"Signed in as")).ToBeVisibleAsync();
        var session = (await person.CookiesAsync()).Where(c => c.Name.StartsWith("traceability.portal", StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(session, Is.Not.Empty, "a session cookie");
            Assert.That(session.All(c => c.HttpOnly), Is.True, "scripts cannot read the session cookie");
            Assert.That(session.All(c => c.SameSite == SameSiteAttribute.Lax), Is.True, "the session cookie is SameSite=Lax");
            // The cookie is encrypted: no token is readable in the browser. A JWT is "eyJ…" header, a dot, "eyJ…" payload: the dot
            // never occurs in the cookie's base64url, so unlike a bare "eyJ" (about 1 in 262,144 per position) this cannot match by chance.
            Assert.That(session.Any(c => Regex.IsMatch(c.Value, @"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.")), Is.False);
        });
        var response = await page.ReloadAsync();
        var policy = await response!.HeaderValueAsync("content-security-policy");
        Assert.That(policy, Does.Contain("script-src 'self'").And.Not.Contains("unsafe-inline"));
        await LookAsync(page, "dashboard");
    }

    [Test, Order(2)]
    public async Task Should_show_a_flag_raised_by_a_real_shipment_in_the_queue()
    {
        var page = await PageAsync(Admin, "/flags");
        // The shipment's flag arrives over the bus: reload the queue until Risk has it.
        var row = page.Locator("table.flags tbody tr", new() { HasText = "dol-goods-list" });
        await Probe.UntilAsync(async () =>
        {
            await page.ReloadAsync();
            return await row.CountAsync() > 0;
        }, TimeSpan.FromSeconds(60), "the shipment's flag is in the queue");
        await Expect(row).ToContainTextAsync("shipment");
        await Expect(row).ToContainTextAsync("CI");
        await Expect(row).ToContainTextAsync("high");
        await Expect(page.Locator(".count")).ToHaveTextAsync(new Regex(@"^\d+ flags$"));
        var href = await row.Locator("a").First.GetAttributeAsync("href");
        _flagId = Guid.Parse(href!.Split('/').Last());
        await LookAsync(page, "flag-queue");

        // Filters are answered by Risk; htmx swaps the results in place and the filtered queue keeps its own address.
        await page.GetByLabel("Severity").SelectOptionAsync("low");
        await Expect(row).ToHaveCountAsync(0);
        await page.GetByLabel("Severity").SelectOptionAsync("high");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(page).ToHaveURLAsync(new Regex("severity=high"));
        await page.GetByLabel("Status").SelectOptionAsync("resolved");
        await Expect(page.GetByText("No flag matches these filters.")).ToBeVisibleAsync();
    }

    [Test, Order(3)]
    public async Task Should_register_an_auditor_with_an_accreditation()
    {
        var page = await PageAsync(Admin, "/admin/auditors");
        await page.GetByLabel("Auditor id").FillAsync(AuditorId);
        await page.GetByLabel("Name").FillAsync("Ama Mensah");
        await page.GetByLabel("Firm").FillAsync("Fair Audits Ghana");
        await page.GetByLabel("APSCA number").FillAsync("21700123");
        await page.GetByLabel("Level").SelectOptionAsync("CSCA");
        await page.GetByLabel("Scheme").FillAsync("sa8000");
        await page.GetByLabel("Countries (ISO codes, comma-separated)").FillAsync("GH, CI");
        await page.GetByLabel("HS chapters (comma-separated)").FillAsync("18");
        await page.GetByLabel("Valid from").FillAsync("2025-01-01");
        await page.GetByLabel("Valid to").FillAsync("2030-12-31");
        await page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Auditor {AuditorId} registered.");
        await Expect(page.GetByText(new Regex("sa8000 · CI, GH · 18"))).ToBeVisibleAsync();
        await LookAsync(page, "admin-auditors");
    }

    [Test, Order(4)]
    public async Task Should_let_an_admin_assign_the_flag_to_an_accredited_auditor_with_the_reasons_Risk_gives_when_it_refuses()
    {
        var page = await PageAsync(Admin, $"/flags/{_flagId}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Explanation" })).ToBeVisibleAsync();
        await Expect(page.Locator("#flag-status")).ToHaveTextAsync("open");
        await LookAsync(page, "flag-detail");

        // No accreditation of this auditor covers the flag: Risk refuses and says why.
        await page.GetByLabel("Auditor id").FillAsync(OutsiderAuditorId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Assign" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync($"No active accreditation of auditor '{OutsiderAuditorId}'");
        await Expect(page.Locator("#flag-status")).ToHaveTextAsync("open");

        // The accreditation registered through Audits reaches Risk over the bus; until it has, Risk refuses as above.
        await Probe.UntilAsync(async () =>
        {
            await page.GetByLabel("Auditor id").FillAsync(AuditorId);
            await page.GetByRole(AriaRole.Button, new() { Name = "Assign" }).ClickAsync();
            await page.WaitForLoadStateAsync();
            return await page.Locator("#flag-assignee").TextContentAsync() == AuditorId;
        }, TimeSpan.FromSeconds(60), "Risk accepts the accredited auditor");
        await Expect(page.Locator("#flag-status")).ToHaveTextAsync("assigned");

        await page.Locator("form", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Escalate" }) }).GetByLabel("Reason").FillAsync("Needs the certifier");
        await page.GetByRole(AriaRole.Button, new() { Name = "Escalate" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Done: Escalate.");
    }

    [Test, Order(5)]
    public async Task Should_let_the_assigned_auditor_investigate_and_resolve_the_flag_and_show_each_step_in_its_history()
    {
        var page = await PageAsync(Auditor, "/flags");
        await Expect(page.Locator("table.flags tbody tr", new() { HasText = "dol-goods-list" })).ToContainTextAsync(AuditorId);
        await page.GotoAsync(_platform.Url($"/flags/{_flagId}"));
        await Expect(page.GetByText($"Assign this flag to yourself ({AuditorId}).")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Start investigating" }).ClickAsync();
        await Expect(page.Locator("#flag-status")).ToContainTextAsync("investigating");

        var resolve = page.Locator("form", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Resolve" }) });
        await resolve.GetByLabel("Outcome").SelectOptionAsync("confirmed");
        await resolve.GetByLabel("Note").FillAsync("Origin confirmed with the exporter's documents.");
        await resolve.GetByRole(AriaRole.Button, new() { Name = "Resolve" }).ClickAsync();
        await Expect(page.Locator("#flag-status")).ToContainTextAsync("resolved (confirmed)");
        var history = page.Locator("#flag-history li");
        foreach (var step in new[] { "raised", "assigned", "escalated", "started", "resolved" })
        {
            await Expect(history.Filter(new() { HasTextRegex = new Regex($@"\b{step} →") })).ToHaveCountAsync(1);
        }
        await Expect(history.Filter(new() { HasText = "Origin confirmed with the exporter's documents." })).ToHaveCountAsync(1);
        await LookAsync(page, "flag-resolved");
    }

    [Test, Order(6)]
    public async Task Should_filter_the_queue_by_where_a_flag_stands_down_to_a_resolved_flag_s_outcome()
    {
        // The shipment's flag was resolved as confirmed by the auditor (Order 5).
        var page = await PageAsync(Admin, "/flags");
        var row = page.Locator("table.flags tbody tr", new() { HasText = "dol-goods-list" });
        await Expect(row).ToHaveCountAsync(1);

        // Risk answers the outcome (status=resolved&resolution=confirmed); htmx swaps the results in place, as for every filter.
        await page.GetByLabel("Status").SelectOptionAsync("confirmed");
        await Expect(page).ToHaveURLAsync(new Regex("status=confirmed"));
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("resolved · confirmed");
        await Expect(page.Locator("table.flags tbody tr")).ToHaveCountAsync(1);
        await LookAsync(page, "flag-queue-by-outcome");
        await page.GetByLabel("Status").SelectOptionAsync("dismissed");
        await Expect(page.GetByText("No flag matches these filters.")).ToBeVisibleAsync();
        await page.GetByLabel("Status").SelectOptionAsync("withdrawn");
        await Expect(page.GetByText("No flag matches these filters.")).ToBeVisibleAsync();
        await page.GetByLabel("Status").SelectOptionAsync("resolved");
        await Expect(row).ToHaveCountAsync(1);
        await page.GetByLabel("Status").SelectOptionAsync("open");
        await Expect(row).ToHaveCountAsync(0);
        await Expect(page).ToHaveURLAsync(new Regex("status=open"));

        // The filtered address opens the same queue on its own, with the filter shown as chosen.
        await page.GotoAsync(_platform.Url("/flags?status=confirmed"));
        await Expect(page.GetByLabel("Status")).ToHaveValueAsync("confirmed");
        await Expect(row).ToHaveCountAsync(1);
    }

    [Test, Order(6)]
    public async Task Should_show_a_facility_risk_profile_with_its_flags_and_signals_drawn_on_the_server()
    {
        var page = await PageAsync(Admin, $"/facilities/{XinjiangMill}");
        await Probe.UntilAsync(async () =>
        {
            await page.ReloadAsync();
            return await page.GetByRole(AriaRole.Link, new() { Name = "uflpa-region" }).CountAsync() > 0;
        }, TimeSpan.FromSeconds(60), "the mill's UFLPA flag is on its profile");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Facility risk profile: Kashgar Cotton Mill" })).ToBeVisibleAsync();
        await Expect(page.Locator("#facility-score")).Not.ToHaveTextAsync("0");
        // Drawn on the server: an SVG with a title for screen readers, no script.
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Signals per month" })).ToBeVisibleAsync();
        await LookAsync(page, "facility-profile");
    }

    [Test, Order(7)]
    public async Task Should_neither_list_nor_open_the_flag_for_an_auditor_outside_its_scope()
    {
        var page = await PageAsync(Outsider, "/flags");
        await Expect(page.GetByText("0 flags")).ToBeVisibleAsync();
        var response = await page.GotoAsync(_platform.Url($"/flags/{_flagId}"));
        Assert.That(response!.Status, Is.EqualTo((int)HttpStatusCode.NotFound));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync();
        await LookAsync(page, "flag-not-found");

        var admin = await page.GotoAsync(_platform.Url("/admin"));
        Assert.That(admin!.Status, Is.EqualTo((int)HttpStatusCode.Forbidden), "an auditor is no certifier");
    }

    [Test, Order(8)]
    public async Task Should_show_a_caseworker_the_case_clocks_and_log_a_revealed_contact()
    {
        var caseId = await Grievances.GrievancesPlatform.SeedCaseAsync(_platform.Database);
        // A reply whose send answer was lost (Grievances never sends it again): the caseworker must see the worker may not have it.
        await _platform.Database.ScalarAsync<long>("""
            INSERT INTO grievances.outbound_message (id, pseudonym, in_reply_to, case_id, gateway, gateway_number, body_cipher, encoding, segments,
              status, attempts, next_attempt_at, created_at, updated_at)
            SELECT @Id, pseudonym, NULL, id, 'africastalking', '+15005550006', description_cipher, 'GSM7', 1, 'unknown', 1, now(), now(), now()
            FROM grievances.grievance_case WHERE id = @CaseId RETURNING 1
            """, new { Id = Guid.CreateVersion7(), CaseId = caseId });
        var page = await PageAsync(Caseworker, "/cases");
        var row = page.Locator("tr", new() { Has = page.Locator($"a[href='/cases/{caseId}']") });
        await Expect(row).ToContainTextAsync("filed");
        // Both legal clocks run from filing: 7 days to acknowledge, 3 months to answer.
        await Expect(row.Locator("td").Nth(4)).ToContainTextAsync("left");
        await Expect(row.Locator("td").Nth(5)).ToContainTextAsync("left");
        await LookAsync(page, "cases");

        await row.Locator("a").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Expect(page.Locator("#case-status")).ToHaveTextAsync("acknowledged");
        await Expect(page.GetByText("Done: Acknowledge.")).ToBeVisibleAsync();
        await Expect(page.Locator("#reply-list li")).ToContainTextAsync("unknown — the provider may not have taken it");

        // Revealing the worker's number is its own step, with a reason that Grievances keeps in the case's history.
        await Expect(page.Locator("#worker-number")).ToHaveCountAsync(0);
        await page.GetByLabel("Why you need it (kept in the case's history)").FillAsync("Worker asked to be called back");
        await page.GetByRole(AriaRole.Button, new() { Name = "Reveal and log" }).ClickAsync();
        await Expect(page.Locator("#worker-number")).ToHaveTextAsync(new Regex(@"^\+\d+$"));
        await Expect(page.Locator("ol.history li").Filter(new() { HasText = "Worker asked to be called back" })).ToHaveCountAsync(1);
        await LookAsync(page, "case-detail");
        // Shown in that one answer only: the case's page does not show it again.
        await page.GotoAsync(_platform.Url($"/cases/{caseId}"));
        await Expect(page.Locator("#case-status")).ToHaveTextAsync("acknowledged");
        await Expect(page.Locator("#worker-number")).ToHaveCountAsync(0);
    }

    [Test, Order(9)]
    public async Task Should_refuse_a_form_posted_without_its_antiforgery_token()
    {
        var caseId = await Grievances.GrievancesPlatform.SeedCaseAsync(_platform.Database);
        var page = await PageAsync(Caseworker, $"/cases/{caseId}");
        await Expect(page.Locator("#case-status")).ToHaveTextAsync("filed");
        // The session cookie goes along (same browser profile), the form's token does not.
        var response = await page.Context.APIRequest.PostAsync(_platform.Url($"/cases/{caseId}?handler=Close"), new APIRequestContextOptions
        {
            Form = page.Context.APIRequest.CreateFormData().Set("Outcome", "resolved").Set("Text", "posted from elsewhere"),
            MaxRedirects = 0,
        });
        Assert.That(response.Status, Is.EqualTo((int)HttpStatusCode.BadRequest));
        await page.ReloadAsync();
        await Expect(page.Locator("#case-status")).ToHaveTextAsync("filed");
        await Expect(page.Locator("ol.history li")).ToHaveCountAsync(0);
    }

    [Test, Order(10)]
    public async Task Should_pass_the_accessibility_check_on_every_page_in_English_and_French()
    {
        var page = await PageAsync(Admin, "/admin");
        foreach (var (path, name) in new[] { ("/admin", "admin"), ("/admin/certificates", "admin-certificates"), ("/admin/users", "admin-users") })
        {
            await page.GotoAsync(_platform.Url(path));
            await LookAsync(page, name);
        }
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = Outsider })).ToBeVisibleAsync();

        // The language is the user's choice, kept across pages.
        await page.GotoAsync(_platform.Url("/flags"));
        await page.GetByLabel("Language").SelectOptionAsync("fr");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "File des alertes" })).ToBeVisibleAsync();
        await page.GotoAsync(_platform.Url("/"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Tableau de bord", Level = 1 })).ToBeVisibleAsync();
        Assert.That(await page.Locator("html").GetAttributeAsync("lang"), Is.EqualTo("fr"));
        await LookAsync(page, "dashboard-fr");
    }

    [Test, Order(11)]
    public async Task Should_show_a_facility_s_audits_and_certificates_an_audit_s_findings_and_a_shipment_s_tiers_from_the_flags_evidence()
    {
        // A cooperative in Côte d'Ivoire, a shipment from it claiming a certificate, an audit there with a zero-tolerance
        // finding (by the auditor registered above, through the API as a firm's uploader would) and the certificate issued.
        var digits = "629104150022";
        _cooperative = digits + CheckDigit.Compute(digits);
        var facilityId = await RegisterFacilityAsync(_cooperative, "Soubré Cocoa Cooperative", "CI");
        using (var shipment = await _platform.Provenance.Http.SendAsync(When_an_exporter_records_shipments.Post(_exporter, $$"""
            {"hsCode":"1801.00","commodity":"Cocoa","originCountry":"CI","quantity":900,"unit":"kg","shipDate":"2026-11-02","originFacilityId":"{{facilityId}}",
             "certificates":[{"scheme":"sa8000","number":"SA-PORTAL-7"}]}
            """)))
        {
            Assert.That(shipment.StatusCode, Is.EqualTo(HttpStatusCode.Created), await shipment.Content.ReadAsStringAsync());
            _tieredShipment = (await shipment.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();
        }
        using var auditor = await _platform.MachineClientAsync(_platform.Audits, "portal-tests-auditor");
        using var audit = await auditor.PostAsync("api/v1/audits", JsonContent.Create(System.Text.Json.JsonDocument.Parse($$"""
            {"facility":{"gln":"{{_cooperative}}","name":"Soubré Cocoa Cooperative","country":"CI"},"scheme":"sa8000","auditType":"periodic",
             "announcement":"unannounced","startDate":"2026-10-12","endDate":"2026-10-14","team":["Kofi Boateng"],"workersInterviewed":24,
             "headcount":{"women":120,"men":80,"migrant":30,"young":2},"hsChapters":["18"],"overallResult":"fail",
             "findings":[{"code":"FL-DOCUMENTS-RETAINED","description":"Passports of 12 migrant workers kept in the office safe."}]}
            """).RootElement));
        Assert.That(audit.StatusCode, Is.EqualTo(HttpStatusCode.Created), await audit.Content.ReadAsStringAsync());
        var auditId = (await audit.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();
        using var certifier = await _platform.MachineClientAsync(_platform.Audits, "portal-tests-admin");
        using var certificate = await certifier.PostAsync("api/v1/certificates", JsonContent.Create(System.Text.Json.JsonDocument.Parse($$"""
            {"scheme":"sa8000","number":"SA-PORTAL-7","holder":{"gln":"{{_cooperative}}","name":"Soubré Cocoa Cooperative","country":"CI"},
             "scopeHsCodes":["18"],"validFrom":"2026-01-01","validTo":"2028-12-31"}
            """).RootElement));
        Assert.That(certificate.StatusCode, Is.EqualTo(HttpStatusCode.Created), await certificate.Content.ReadAsStringAsync());

        var page = await PageAsync(Admin, $"/facilities/{_cooperative}");
        await Probe.UntilAsync(async () =>
        {
            await page.ReloadAsync();
            return await page.GetByRole(AriaRole.Link, new() { Name = "zero-tolerance" }).CountAsync() > 0;
        }, TimeSpan.FromSeconds(60), "the audit's zero-tolerance flag is on the cooperative's profile");
        await Expect(page.Locator("#audits-table tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#audits-table")).ToContainTextAsync(PortalPlatform.MachineAuditorId);
        await Expect(page.Locator("#certificates-table")).ToContainTextAsync("SA-PORTAL-7");
        await LookAsync(page, "facility-audits-certificates");

        await page.GetByRole(AriaRole.Link, new() { Name = "sa8000" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(_platform.Url($"/audits/{auditId}"));
        await Expect(page.Locator("#findings-table")).ToContainTextAsync("FL-DOCUMENTS-RETAINED");
        await LookAsync(page, "audit");

        // The flag's evidence links to the audit; the shipment's flag to the shipment as Risk holds it.
        await page.GotoAsync(_platform.Url($"/facilities/{_cooperative}"));
        await page.GetByRole(AriaRole.Link, new() { Name = "zero-tolerance" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = $"Audit {auditId} and its findings" }).ClickAsync();
        await Expect(page.Locator("#findings-table")).ToContainTextAsync("FL-DOCUMENTS-RETAINED");
        var shipmentPage = await PageAsync(Admin, $"/shipments/{_tieredShipment}");
        await Probe.UntilAsync(async () =>
        {
            await shipmentPage.ReloadAsync();
            return await shipmentPage.Locator("#tiers-table").CountAsync() > 0 && await shipmentPage.Locator("#claimed-table").CountAsync() > 0;
        }, TimeSpan.FromSeconds(60), "Risk holds the shipment's facilities and its certificate claim");
        await Expect(shipmentPage.Locator("#tiers-table")).ToContainTextAsync("Soubré Cocoa Cooperative");
        await Expect(shipmentPage.Locator("#claimed-table")).ToContainTextAsync("SA-PORTAL-7");
        await Expect(shipmentPage.GetByText(ExporterName)).ToHaveCountAsync(0);
        await LookAsync(shipmentPage, "shipment");

        // An auditor outside the flags' scope opens neither the shipment nor the audit.
        var outsider = await PageAsync(Outsider, $"/shipments/{_tieredShipment}");
        await Expect(outsider.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync();
        var response = await outsider.GotoAsync(_platform.Url($"/audits/{auditId}"));
        Assert.That(response!.Status, Is.EqualTo((int)HttpStatusCode.NotFound));
    }

    private async Task<Guid> RegisterFacilityAsync(string gln, string name, string country)
    {
        using var register = new HttpRequestMessage(HttpMethod.Post, "api/v1/facilities")
        {
            Content = new StringContent($$"""{"gln":"{{gln}}","name":"{{name}}","country":"{{country}}","type":"farm"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        register.Headers.Add("X-Api-Key", _exporter.Key);
        using var response = await _platform.Provenance.Http.SendAsync(register);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();
    }

    [Test, Order(12)]
    public async Task Should_let_a_person_filter_the_queue_open_a_flag_and_act_on_it_with_the_keyboard_alone()
    {
        var page = await PageAsync(Admin, "/flags");
        // Tab through the page until the control is focused (a person does the same), then use it with keys only.
        async Task TabToAsync(string selector)
        {
            for (var presses = 0; presses < 60; presses++)
            {
                if (await page.EvaluateAsync<bool>("s => document.activeElement !== null && document.activeElement.matches(s)", selector))
                {
                    return;
                }
                await page.Keyboard.PressAsync("Tab");
            }
            Assert.Fail($"Tab never reached {selector}");
        }
        var shipmentFlag = page.Locator("table.flags tbody tr", new() { HasText = _tieredShipment.ToString() }).Filter(new() { HasText = "dol-goods-list" });
        // Country and order are Risk's: a code typed and left, an option chosen by its first letter.
        await TabToAsync("#country");
        await page.Keyboard.TypeAsync("ci");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page).ToHaveURLAsync(new Regex("country=CI", RegexOptions.IgnoreCase));
        await Expect(page.Locator("table.flags tbody tr").Filter(new() { HasNotText = "CI" })).ToHaveCountAsync(0);
        await TabToAsync("#sort");
        await page.Keyboard.PressAsync("m");
        await Expect(page).ToHaveURLAsync(new Regex("sort=-severity"));
        await Expect(page.Locator("table.flags tbody tr").First).ToContainTextAsync("critical");
        await Expect(page.Locator("th[aria-sort=descending]")).ToHaveTextAsync("Severity");
        await TabToAsync("#status");
        await page.Keyboard.PressAsync("o");
        await Expect(page).ToHaveURLAsync(new Regex("status=open"));
        await Expect(shipmentFlag).ToHaveCountAsync(1);
        await TabToAsync("#escalated");
        await page.Keyboard.PressAsync("Space");
        await Expect(page.GetByText("No flag matches these filters.")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Space");
        await Expect(shipmentFlag).ToHaveCountAsync(1);

        var link = await shipmentFlag.Locator("a").First.GetAttributeAsync("href");
        await TabToAsync($"a[href='{link}']");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#flag-status")).ToHaveTextAsync("open");
        await TabToAsync("#reason-escalate");
        await page.Keyboard.TypeAsync("Exporter's first shipment from this cooperative");
        await TabToAsync("form:has(#step-escalate) button[type=submit]");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Done: Escalate.");
        await Expect(page.Locator("#flag-history li").Filter(new() { HasText = "Exporter's first shipment from this cooperative" })).ToHaveCountAsync(1);
        // The shipment's evidence is one more key press away.
        await TabToAsync($"a[href='/shipments/{_tieredShipment}']");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#tiers-table")).ToContainTextAsync("origin");
    }

    [Test, Order(13)]
    public async Task Should_show_the_dashboard_s_figures_counted_by_Risk()
    {
        var page = await PageAsync(Auditor, "/");
        await Expect(page.Locator("#open-flags")).ToHaveTextAsync(new Regex(@"^\d+ open flags\.$"));
        // The auditor's flag was assigned and resolved above: one time to assign and one to resolve are measured.
        await Expect(page.Locator("#times-table tbody tr").Nth(0).Locator("td").Nth(0)).ToHaveTextAsync("1");
        await Expect(page.Locator("#times-table tbody tr").Nth(1).Locator("td").Nth(0)).ToHaveTextAsync("1");
        await LookAsync(page, "dashboard-figures");
    }

    [Test, Order(14)]
    public async Task Should_let_an_admin_onboard_an_exporter_and_issue_rotate_and_revoke_its_keys_showing_each_new_key_once()
    {
        var page = await PageAsync(Admin, "/admin/exporters");
        await Expect(page.Locator("#exporters")).ToContainTextAsync("portal-cocoa");
        await page.GetByLabel("Name").FillAsync(ExporterName);
        await page.GetByLabel("Exporter id").FillAsync("kakao-export-abidjan");
        await page.GetByRole(AriaRole.Button, new() { Name = "Onboard" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "API keys of kakao-export-abidjan" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Issue a new key" }).ClickAsync();
        var first = await page.Locator("#new-key").TextContentAsync();
        Assert.That(first, Does.Match("^trc_[A-Za-z0-9]+_[A-Za-z0-9]+$"));
        await Expect(page.Locator("#keys-table tbody tr")).ToHaveCountAsync(1);
        await LookAsync(page, "admin-exporters");
        // Shown once: the page's own address does not show it again, nor does the list.
        await page.GotoAsync(_platform.Url("/admin/exporters?exporter=kakao-export-abidjan"));
        await Expect(page.Locator("#new-key")).ToHaveCountAsync(0);
        Assert.That(await page.ContentAsync(), Does.Not.Contain(first!));

        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate" }).ClickAsync();
        var second = await page.Locator("#new-key").TextContentAsync();
        Assert.That(second, Does.StartWith("trc_").And.Not.EqualTo(first));
        await Expect(page.Locator("#keys-table tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#keys-table tbody tr").Filter(new() { HasText = "revoked" })).ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Done: key revoked.");
        await Expect(page.Locator("#keys-table tbody tr").Filter(new() { HasText = "revoked" })).ToHaveCountAsync(2);

        // The revoked keys open nothing at Provenance.
        using var shipment = await _platform.Provenance.Http.SendAsync(
            When_an_exporter_records_shipments.Post(new ExporterKey("kakao-export-abidjan", Guid.Empty, second!), When_an_exporter_records_shipments.Shipment("Cocoa", "GH")));
        Assert.That(shipment.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test, Order(21)]
    public async Task Should_end_the_session_of_an_account_disabled_since_it_signed_in()
    {
        var page = await PageAsync(Leaver, "/flags");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Flag queue" })).ToBeVisibleAsync();

        await _platform.DisableUserAsync(Leaver);
        // The next request refreshes the session's tokens; the provider refuses a disabled account, so the session ends.
        await page.GotoAsync(_platform.Url("/flags"));
        Assert.That(page.Url, Does.StartWith(_platform.Identity.BaseAddress.ToString()), "sent to the provider");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Flag queue" })).ToHaveCountAsync(0);
    }

    [Test, Order(22)]
    public async Task Should_send_a_person_back_to_sign_in_when_the_session_has_expired()
    {
        // The same portal on the same address, its sessions now lasting two seconds.
        _platform.Portal.Kill();
        _platform.Portal.Configure("Portal__SessionLifetime", "00:00:02");
        await _platform.Portal.StartAsync();
        await using var person = await _platform.Browser.NewPersonAsync();
        var page = await person.NewPageAsync();
        await _platform.SignInAsync(page, Admin);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard", Level = 1 })).ToBeVisibleAsync();
        // The provider's own session ends too (as it would over the hours a portal session lasts): keep only the portal's cookies.
        var portalCookies = (await person.CookiesAsync()).Where(c => c.Name.StartsWith("traceability.portal", StringComparison.Ordinal)).ToList();
        await person.ClearCookiesAsync();
        await person.AddCookiesAsync(portalCookies.Select(c => new Microsoft.Playwright.Cookie
        {
            Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, Expires = c.Expires, HttpOnly = c.HttpOnly, Secure = c.Secure, SameSite = c.SameSite,
        }));
        await Probe.UntilAsync(async () =>
        {
            await page.GotoAsync(_platform.Url("/flags"));
            return page.Url.StartsWith(_platform.Identity.BaseAddress.ToString(), StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), "an expired session is sent to the provider's sign-in page");
        await Expect(page.GetByLabel("Password")).ToBeVisibleAsync();
        // Signed in again, the person is back where they were going.
        await page.GetByLabel("Email").FillAsync(Admin);
        await page.GetByLabel("Password").FillAsync(PortalPlatform.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(_platform.Url("/flags"));
    }
}
