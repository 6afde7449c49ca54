using Microsoft.Playwright;
using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>
/// The platform the portal's browser tests run against, every part real: Identity (the OIDC provider, with the
/// portal's client registered for this portal's address), Risk, Provenance, Audits and Grievances trusting Identity's tokens, the portal,
/// one database and one virtual host, and the topology step of each before any starts. People sign in once per
/// account; their browser state (the session cookie) is kept so that each test starts signed in, as a person would.
/// </summary>
internal sealed class PortalPlatform : IAsyncDisposable
{
    /// <summary>A password good enough for Identity's rules (long, uncommon).</summary>
    public const string Password = "correct horse battery staple portal";

    private const string ClientSecret = "portal-client-secret-for-the-browser-tests-0123456789";

    /// <summary>Machine clients at Identity for what the tests do through the APIs, as scripts would: an auditor's uploads, an admin's certificates.</summary>
    private const string MachineSecret = "portal-machine-secret-for-the-browser-tests-0123456789";

    private readonly Dictionary<string, string> _signedIn = [];
    private readonly List<ServiceProcess> _processes = [];

    private PortalPlatform(TestDatabase database, TestVirtualHost virtualHost, BrowserSession browser)
    {
        Database = database;
        VirtualHost = virtualHost;
        Browser = browser;
    }

    public TestDatabase Database { get; }
    public TestVirtualHost VirtualHost { get; }
    public BrowserSession Browser { get; }
    public ServiceProcess Identity { get; private set; } = null!;
    public ServiceProcess Risk { get; private set; } = null!;
    public ServiceProcess Provenance { get; private set; } = null!;
    public ServiceProcess Portal { get; private set; } = null!;
    public ServiceProcess Audits { get; private set; } = null!;

    /// <summary>The auditor id the machine auditor's tokens carry (the browser tests register this auditor in Audits).</summary>
    public const string MachineAuditorId = "ama-mensah";

    /// <summary>A client for <paramref name="service"/> with a token Identity issues to the machine client (<c>portal-tests-admin</c> or <c>portal-tests-auditor</c>).</summary>
    public async Task<HttpClient> MachineClientAsync(ServiceProcess service, string clientId)
    {
        using var http = new HttpClient();
        using var response = await OidcClient.ClientCredentialsAsync(http, Identity.BaseAddress, clientId, MachineSecret);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK), body);
        var token = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString();
        var client = new HttpClient { BaseAddress = service.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public string Url(string path) => new Uri(Portal.BaseAddress, path.TrimStart('/')).ToString();

    public static async Task<PortalPlatform> StartAsync()
    {
        var browser = BrowserSession.LaunchAsync();
        var platform = new PortalPlatform(await Infrastructure.CreateDatabaseAsync(), await Infrastructure.CreateVirtualHostAsync(), await browser);
        var identity = platform.Create("Identity");
        var portal = platform.Create("Portal");
        var risk = platform.Create("Risk");
        var provenance = platform.Create("Provenance");
        var audits = platform.Create("Audits");
        var grievances = platform.Create("Grievances");
        Configure(grievances, Grievances.GrievancesPlatform.Settings());
        var authority = identity.BaseAddress.ToString();
        Configure(identity, new()
        {
            ["Identity__Issuer"] = authority,
            ["Clients__Portal__BaseUrl"] = portal.BaseAddress.ToString().TrimEnd('/'),
            ["Clients__Portal__Secret"] = ClientSecret,
            // Shorter than the portal's refresh margin (a minute): every request of every test refreshes the session's
            // tokens, so the whole fixture shows that refreshing works, and a disabled account loses its session at once.
            ["Identity__AccessTokenLifetime"] = "00:00:30",
            ["Clients__Machines__portal-tests-admin__Secret"] = MachineSecret,
            ["Clients__Machines__portal-tests-admin__Roles__0"] = Roles.Admin,
            ["Clients__Machines__portal-tests-auditor__Secret"] = MachineSecret,
            ["Clients__Machines__portal-tests-auditor__Roles__0"] = Roles.Auditor,
            ["Clients__Machines__portal-tests-auditor__AuditorId"] = MachineAuditorId,
        });
        // Every service trusts the platform's provider, as up.sh sets them up.
        foreach (var service in platform._processes)
        {
            service.Configure("Auth__Authority", authority);
        }
        Configure(portal, new()
        {
            ["Portal__ClientSecret"] = ClientSecret,
            ["Portal__Apis__Risk"] = risk.BaseAddress.ToString(),
            ["Portal__Apis__Provenance"] = provenance.BaseAddress.ToString(),
            ["Portal__Apis__Audits"] = audits.BaseAddress.ToString(),
            ["Portal__Apis__Grievances"] = grievances.BaseAddress.ToString(),
            ["Portal__Apis__Identity"] = identity.BaseAddress.ToString(),
        });
        try
        {
            await Task.WhenAll(platform._processes.Select(p => p.DeployTopologyAsync()));
            await Task.WhenAll(platform._processes.Select(p => p.StartAsync()));
        }
        catch
        {
            // The fixture never gets the platform to tear down: stop whatever did start.
            await platform.DisposeAsync();
            throw;
        }
        (platform.Identity, platform.Risk, platform.Provenance, platform.Portal, platform.Audits) = (identity, risk, provenance, portal, audits);
        return platform;
    }

    private static void Configure(ServiceProcess process, Dictionary<string, string> settings)
    {
        foreach (var (key, value) in settings)
        {
            process.Configure(key, value);
        }
    }

    private ServiceProcess Create(string service)
    {
        var process = ServiceProcess.Create(service, Database, VirtualHost);
        _processes.Add(process);
        return process;
    }

    /// <summary>An account made through Identity's admin API, its password set through its one-time link.</summary>
    public Task CreateUserAsync(string email, string[] roles, string? auditorId = null) =>
        IdentityAccounts.CreateWithPasswordAsync(Identity, email, Password, roles, auditorId);

    /// <summary>Disables an account with Identity's command line, as an admin would when someone leaves.</summary>
    public async Task DisableUserAsync(string email)
    {
        var (exitCode, output, error) = await Identity.RunCommandAsync("users", "disable", email);
        Assert.That(exitCode, Is.Zero, $"users disable {email}: {output}\n{error}");
    }

    /// <summary>
    /// A browser in which <paramref name="email"/> is signed in to the portal: the first time through the provider's
    /// sign-in page (authorization code + PKCE), later with the session cookie that sign-in left.
    /// </summary>
    public async Task<IBrowserContext> SignedInAsync(string email, string locale = "en-GB")
    {
        if (_signedIn.TryGetValue(email, out var state))
        {
            return await Browser.Browser.NewContextAsync(new BrowserNewContextOptions
            {
                Locale = locale, StorageState = state, ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            });
        }
        var person = await Browser.NewPersonAsync(locale);
        var page = await person.NewPageAsync();
        await SignInAsync(page, email);
        _signedIn[email] = await person.StorageStateAsync();
        await page.CloseAsync();
        return person;
    }

    /// <summary>Opens the portal, follows it to the provider's sign-in page, signs in and comes back to the dashboard.</summary>
    public async Task SignInAsync(IPage page, string email)
    {
        await page.GotoAsync(Url("/"));
        await Microsoft.Playwright.Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(Identity.BaseAddress.ToString())));
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(Url("/"));
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }
        await Database.DisposeAsync();
        await VirtualHost.DisposeAsync();
    }
}
