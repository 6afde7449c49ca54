using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>
/// The platform's own OpenID Connect provider, driven over HTTP as the portal and a person's browser
/// drive it: authorization code with PKCE through the sign-in page, refresh, client credentials, and the
/// tokens accepted by another service (Risk) that knows nothing but Identity's address.
/// </summary>
[TestFixture]
[Category("Integration")]
public class When_people_and_machines_sign_in_with_the_platforms_identity_service
{
    private const string PortalSecret = "portal-secret-for-the-sign-in-tests-0123456789";
    private const string MachineSecret = "machine-secret-for-the-sign-in-tests-0123456789";
    private static readonly Uri PortalRedirect = new("http://127.0.0.1:5100/signin-oidc");

    private Platform _platform = null!;
    private ServiceProcess _identity = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task StartPlatform()
    {
        _platform = await Platform.StartAsync(identitySettings: new Dictionary<string, string>
        {
            ["Clients__Portal__Secret"] = PortalSecret,
            ["Clients__Machines__firm-uploader__Secret"] = MachineSecret,
            ["Clients__Machines__firm-uploader__Roles__0"] = Roles.Auditor,
            ["Clients__Machines__firm-uploader__AuditorId"] = "apsca-firm-7",
            ["Identity__MaxFailedSignIns"] = "5",
            // Every test signs in from 127.0.0.1: the per-address limit is not what these tests are about.
            ["Identity__SignInAttemptsPerMinute"] = "10000",
        });
        _identity = _platform.Identity!;
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    }

    [OneTimeTearDown]
    public async Task StopPlatform()
    {
        _http.Dispose();
        await _platform.DisposeAsync();
    }

    private OidcClient Portal() => new(_identity.BaseAddress, "portal", PortalSecret, PortalRedirect);

    [Test]
    public async Task Should_sign_a_person_in_with_code_and_PKCE_issue_tokens_Risk_accepts_and_refresh_them()
    {
        const string password = "correct horse battery staple";
        var account = await IdentityAccounts.CreateWithPasswordAsync(_identity, "ama.mensah@example.org", password, [Roles.Auditor], "apsca-21700123");
        var portal = Portal();
        using var browser = new Browser(_identity.BaseAddress);
        var code = await browser.SignInForCodeAsync(portal, account.Email, password);

        using var redeemed = await portal.RedeemAsync(_http, code);
        var tokens = await JsonAsync(redeemed);
        Assert.That(redeemed.StatusCode, Is.EqualTo(HttpStatusCode.OK), tokens.ToString());
        var access = new JsonWebToken(tokens.GetProperty("access_token").GetString());
        Assert.Multiple(() =>
        {
            Assert.That(access.Issuer, Is.EqualTo(_identity.BaseAddress.ToString()));
            Assert.That(access.Audiences, Is.EquivalentTo(new[] { "traceability" }));
            Assert.That(access.Subject, Is.EqualTo(account.Id));
            Assert.That(access.Claims.Where(c => c.Type == PlatformClaims.Role).Select(c => c.Value), Is.EquivalentTo(new[] { Roles.Auditor }));
            Assert.That(access.GetClaim(PlatformClaims.AuditorId).Value, Is.EqualTo("apsca-21700123"));
            Assert.That(access.GetClaim("email").Value, Is.EqualTo(account.Email));
            Assert.That(tokens.TryGetProperty("id_token", out _), Is.True, "openid asks for an ID token");
        });
        Assert.That(await FlagsStatusAsync(access.EncodedToken), Is.EqualTo(HttpStatusCode.OK), "Risk validates Identity's token");

        // The code is good once: a second redemption is refused (and OpenIddict revokes what the first one got).
        using var replayed = await portal.RedeemAsync(_http, code);
        Assert.That(replayed.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await JsonAsync(replayed)).GetProperty("error").GetString(), Is.EqualTo("invalid_grant"));

        // A fresh sign-in for the refresh, since the replay above revoked the first grant's tokens.
        var second = Portal();
        var code2 = await browser.CodeAsync(second, second.AuthorizeUri());
        var tokens2 = await JsonAsync(await second.RedeemAsync(_http, code2));
        using var refreshed = await second.RefreshAsync(_http, tokens2.GetProperty("refresh_token").GetString()!);
        var renewed = await JsonAsync(refreshed);
        Assert.That(refreshed.StatusCode, Is.EqualTo(HttpStatusCode.OK), renewed.ToString());
        Assert.That(await FlagsStatusAsync(renewed.GetProperty("access_token").GetString()!), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Should_give_a_machine_client_a_token_with_its_roles_that_Risk_accepts()
    {
        using var response = await OidcClient.ClientCredentialsAsync(_http, _identity.BaseAddress, "firm-uploader", MachineSecret);
        var tokens = await JsonAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), tokens.ToString());
        var access = new JsonWebToken(tokens.GetProperty("access_token").GetString());
        Assert.Multiple(() =>
        {
            Assert.That(access.Subject, Is.EqualTo("firm-uploader"));
            Assert.That(access.GetClaim(PlatformClaims.Role).Value, Is.EqualTo(Roles.Auditor));
            Assert.That(access.GetClaim(PlatformClaims.AuditorId).Value, Is.EqualTo("apsca-firm-7"));
            Assert.That(access.Audiences, Is.EquivalentTo(new[] { "traceability" }));
        });
        Assert.That(await FlagsStatusAsync(access.EncodedToken), Is.EqualTo(HttpStatusCode.OK));

        using var wrongSecret = await OidcClient.ClientCredentialsAsync(_http, _identity.BaseAddress, "firm-uploader", MachineSecret + "x");
        Assert.That((await JsonAsync(wrongSecret)).GetProperty("error").GetString(), Is.EqualTo("invalid_client"));
        using var unknown = await OidcClient.ClientCredentialsAsync(_http, _identity.BaseAddress, "nobody", MachineSecret);
        Assert.That((await JsonAsync(unknown)).GetProperty("error").GetString(), Is.EqualTo("invalid_client"));
    }

    [Test]
    public async Task Should_keep_exporters_API_keys_working_on_Provenance()
    {
        var acme = await ProvenanceAdmin.OnboardAsync(_platform.Provenance, "acme-" + Guid.NewGuid().ToString("N")[..8]);
        using var request = ProvenanceAdmin.Request(HttpMethod.Get, "api/v1/facilities", bearer: acme.Key);
        using var response = await _platform.Provenance.Http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Should_refuse_unknown_clients_wrong_redirect_URIs_and_missing_PKCE_without_redirecting_anywhere_unregistered()
    {
        var portal = Portal();
        using var browser = new Browser(_identity.BaseAddress);
        using var unknownClient = await browser.GetAsync(portal.AuthorizeUri(clientId: "not-a-client"));
        using var wrongRedirect = await browser.GetAsync(portal.AuthorizeUri(redirectUri: "https://attacker.example/signin-oidc"));
        Assert.Multiple(async () =>
        {
            // An unknown client or an unregistered redirect URI is answered here, never sent on to that URI.
            Assert.That(unknownClient.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), await unknownClient.Content.ReadAsStringAsync());
            Assert.That(wrongRedirect.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), await wrongRedirect.Content.ReadAsStringAsync());
            Assert.That(await wrongRedirect.Content.ReadAsStringAsync(), Does.Contain("redirect_uri"));
        });
        using var noPkce = await browser.GetAsync(portal.AuthorizeUri(pkce: false));
        Assert.That(noPkce.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "PKCE is required");
        Assert.That(await noPkce.Content.ReadAsStringAsync(), Does.Contain("code_challenge"));
    }

    [Test]
    public async Task Should_refuse_a_code_redeemed_with_the_wrong_verifier()
    {
        const string password = "a tall lighthouse keeps the harbour";
        var account = await IdentityAccounts.CreateWithPasswordAsync(_identity, "kofi@example.org", password, [Roles.Caseworker]);
        var portal = Portal();
        using var browser = new Browser(_identity.BaseAddress);
        var code = await browser.SignInForCodeAsync(portal, account.Email, password);
        using var stolen = await portal.RedeemAsync(_http, code, verifier: new OidcClient(_identity.BaseAddress, "portal", PortalSecret, PortalRedirect).Verifier);
        Assert.That(stolen.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await JsonAsync(stolen)).GetProperty("error").GetString(), Is.EqualTo("invalid_grant"));
    }

    [TestCase("short pass", "at least 12")]
    [TestCase("password1234", "most used or leaked")]
    [TestCase("iloveyou!!!!2024", "most used or leaked")]
    [TestCase("Qwertyuiop2024!", "most used or leaked")]
    [TestCase("aaaaaaaaaaaaaaaa", "repeats")]
    [TestCase("123456789012345", "sequence")]
    public async Task Should_refuse_a_weak_or_breached_password_and_store_none(string weak, string reason)
    {
        var account = await IdentityAccounts.CreateAsync(_identity, $"weak-{Guid.NewGuid():N}@example.org", [Roles.Certifier]);
        using var browser = new Browser(_identity.BaseAddress);
        using var refused = await browser.SetPasswordAsync(account.SetPasswordLink, weak);
        var page = await refused.Content.ReadAsStringAsync();
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), page);
        Assert.That(page, Does.Contain(reason));
        Assert.That(await PasswordHashAsync(account.Id), Is.Null, "nothing stored");
        // The link still works for a good password: a refusal does not use it up.
        using var accepted = await browser.SetPasswordAsync(account.SetPasswordLink, "seven silver swans swam south");
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await PasswordHashAsync(account.Id), Is.Not.Null);
        using var reused = await browser.SetPasswordAsync(account.SetPasswordLink, "another fine sentence to remember");
        Assert.That(await reused.Content.ReadAsStringAsync(), Does.Contain("expired or was used already"), "the link works once");
    }

    [Test]
    public async Task Should_lock_an_account_after_repeated_wrong_passwords_even_against_the_right_one()
    {
        const string password = "the river runs past the mill";
        var account = await IdentityAccounts.CreateWithPasswordAsync(_identity, "guess-target@example.org", password, [Roles.Admin]);
        using var browser = new Browser(_identity.BaseAddress);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var attempt = await browser.SubmitAsync(new Uri(_identity.BaseAddress, "account/login"),
                new Dictionary<string, string> { ["email"] = account.Email, ["password"] = $"guess number {i} of many" });
            statuses.Add(attempt.StatusCode);
        }
        Assert.That(statuses.Take(4), Is.All.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(statuses.Skip(4), Is.All.EqualTo(HttpStatusCode.TooManyRequests), "locked after 5 failures");
        using var right = await browser.SubmitAsync(new Uri(_identity.BaseAddress, "account/login"),
            new Dictionary<string, string> { ["email"] = account.Email, ["password"] = password });
        Assert.That(right.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), "the right password waits out the lockout too");
        Assert.That(right.Headers.RetryAfter, Is.Not.Null);
    }

    [Test]
    public async Task Should_refuse_a_sign_in_form_posted_without_its_antiforgery_token()
    {
        using var browser = new Browser(_identity.BaseAddress);
        using var page = await browser.GetAsync("account/login");
        using var forged = await browser.PostFormAsync(await page.Content.ReadAsStringAsync(),
            new Dictionary<string, string> { ["email"] = "x@example.org", ["password"] = "whatever it is today" }, withAntiforgery: false);
        Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Should_refuse_refreshing_the_tokens_of_a_disabled_account()
    {
        const string password = "green tea in the afternoon";
        var account = await IdentityAccounts.CreateWithPasswordAsync(_identity, "leaving@example.org", password, [Roles.Caseworker]);
        var portal = Portal();
        using var browser = new Browser(_identity.BaseAddress);
        var tokens = await JsonAsync(await portal.RedeemAsync(_http, await browser.SignInForCodeAsync(portal, account.Email, password)));
        using var disable = new HttpRequestMessage(HttpMethod.Post, $"admin/users/{account.Id}/disable");
        disable.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServiceProcess.AdminKey);
        using (var disabled = await _identity.Http.SendAsync(disable))
        {
            Assert.That(disabled.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        using var refreshed = await portal.RefreshAsync(_http, tokens.GetProperty("refresh_token").GetString()!);
        Assert.That(refreshed.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await JsonAsync(refreshed)).GetProperty("error").GetString(), Is.EqualTo("invalid_grant"));
    }

    private async Task<HttpStatusCode> FlagsStatusAsync(string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/flags");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await _platform.Risk!.Http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<string?> PasswordHashAsync(string userId) =>
        await _platform.Database.ScalarAsync<string?>("SELECT password_hash FROM identity_provider.users WHERE id = @userId", new { userId });

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }
}
