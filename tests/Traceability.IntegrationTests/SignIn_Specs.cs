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
            // Certifiers must use a second factor (TOTP) in this platform.
            ["Identity__TwoFactorRoles__0"] = Roles.Certifier,
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
        var (account, portal, tokens) = await SignedInAsync("leaving@example.org", "green tea in the afternoon", Roles.Caseworker);
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

    [Test]
    public async Task Should_make_a_role_that_requires_a_second_factor_enrol_then_ask_for_the_code_at_each_sign_in()
    {
        const string password = "certificates are issued on tuesdays";
        var account = await IdentityAccounts.CreateWithPasswordAsync(_identity, "certifier@example.org", password, [Roles.Certifier]);
        var portal = Portal();
        using var browser = new Browser(_identity.BaseAddress);
        using var authorize = await browser.GetAsync(portal.AuthorizeUri());
        using var signedIn = await browser.SubmitAsync(authorize.Headers.Location!, new Dictionary<string, string> { ["email"] = account.Email, ["password"] = password });
        using var back = await browser.GetAsync(signedIn.Headers.Location!);
        Assert.That(PathOf(back.Headers.Location), Is.EqualTo("/account/enroll-two-factor"), "no code before the second factor is enrolled");

        using var enrolment = await browser.GetAsync(back.Headers.Location!);
        var page = await enrolment.Content.ReadAsStringAsync();
        var key = System.Text.RegularExpressions.Regex.Match(page, """<code id="authenticator-key">([A-Z2-7]+)</code>""").Groups[1].Value;
        Assert.That(key, Is.Not.Empty, page);
        using var wrong = await browser.PostFormAsync(page, new Dictionary<string, string> { ["code"] = Totp.Wrong(key) });
        Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        using var enrolled = await browser.PostFormAsync(page, new Dictionary<string, string> { ["code"] = Totp.Now(key) });
        Assert.That(enrolled.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await enrolled.Content.ReadAsStringAsync());
        var code = await browser.CodeAsync(portal, enrolled.Headers.Location!);
        var tokens = await JsonAsync(await portal.RedeemAsync(_http, code));
        Assert.That(new JsonWebToken(tokens.GetProperty("access_token").GetString()).GetClaim(PlatformClaims.Role).Value, Is.EqualTo(Roles.Certifier));

        // Next time: the password, then the code.
        var again = Portal();
        using var secondBrowser = new Browser(_identity.BaseAddress);
        using var authorizeAgain = await secondBrowser.GetAsync(again.AuthorizeUri());
        using var password2 = await secondBrowser.SubmitAsync(authorizeAgain.Headers.Location!,
            new Dictionary<string, string> { ["email"] = account.Email, ["password"] = password });
        Assert.That(PathOf(password2.Headers.Location), Is.EqualTo("/account/two-factor"));
        using var withoutCode = await secondBrowser.GetAsync(again.AuthorizeUri());
        Assert.That(PathOf(withoutCode.Headers.Location), Is.EqualTo("/account/login"), "the password alone signs no one in");
        using var twoFactor = await secondBrowser.SubmitAsync(password2.Headers.Location!, new Dictionary<string, string> { ["code"] = Totp.Now(key) });
        Assert.That(twoFactor.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await twoFactor.Content.ReadAsStringAsync());
        Assert.That(await secondBrowser.CodeAsync(again, twoFactor.Headers.Location!), Is.Not.Empty);
    }

    [Test]
    public async Task Should_sign_out_back_to_the_portal_and_ask_for_the_password_again()
    {
        const string password = "a quiet evening by the lagoon";
        var account = await IdentityAccounts.CreateWithPasswordAsync(_identity, "signs-out@example.org", password, [Roles.Auditor], "apsca-5");
        var portal = Portal();
        using var browser = new Browser(_identity.BaseAddress);
        await browser.SignInForCodeAsync(portal, account.Email, password);
        using var signOut = await browser.GetAsync(
            $"connect/endsession?client_id=portal&post_logout_redirect_uri={Uri.EscapeDataString("http://127.0.0.1:5100/signout-callback-oidc")}&state=s1");
        Assert.That(signOut.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await signOut.Content.ReadAsStringAsync());
        Assert.That(signOut.Headers.Location!.GetLeftPart(UriPartial.Path), Is.EqualTo("http://127.0.0.1:5100/signout-callback-oidc"));
        using var authorize = await browser.GetAsync(Portal().AuthorizeUri());
        Assert.That(PathOf(authorize.Headers.Location), Is.EqualTo("/account/login"));
    }

    [Test]
    public async Task Should_manage_accounts_from_the_command_line()
    {
        var (created, output, error) = await _identity.RunCommandAsync("users", "create", "cli-user@example.org", "--role", Roles.Auditor, "--auditor-id", "apsca-31");
        Assert.That(created, Is.Zero, error);
        Assert.That(output, Does.Contain("/account/set-password?user=").And.Contain("apsca-31"));
        var (again, _, exists) = await _identity.RunCommandAsync("users", "create", "cli-user@example.org", "--role", Roles.Auditor, "--if-missing");
        Assert.That(again, Is.EqualTo(3), "an existing account is success for --if-missing, and says so");
        Assert.That(exists, Does.Contain("exists"));
        var (listed, list, _) = await _identity.RunCommandAsync("users", "list");
        Assert.That(listed, Is.Zero);
        Assert.That(list, Does.Contain("cli-user@example.org"));
        var (reset, link, _) = await _identity.RunCommandAsync("users", "reset-password", "cli-user@example.org");
        Assert.That(reset, Is.Zero);
        Assert.That(link, Does.Contain("/account/set-password?user="));
        var (disabled, answer, _) = await _identity.RunCommandAsync("users", "disable", "cli-user@example.org");
        Assert.That(disabled, Is.Zero);
        Assert.That(answer, Does.Contain("\"disabled\": true"));
        var (refused, _, why) = await _identity.RunCommandAsync("users", "create", "not-an-email", "--role", "overlord");
        Assert.That(refused, Is.EqualTo(1));
        Assert.That(why, Does.Contain("email").And.Contain("roles[0]"));
    }

    [Test]
    public async Task Should_sign_with_the_same_key_after_a_restart_so_tokens_and_refresh_tokens_outlive_it()
    {
        var (_, portal, tokens) = await SignedInAsync("restart@example.org", "the harbour lights at midnight", Roles.Caseworker);
        var jwksBefore = await _http.GetStringAsync(new Uri(_identity.BaseAddress, ".well-known/jwks"));

        _identity.Kill();
        await _identity.StartAsync();

        Assert.That(await _http.GetStringAsync(new Uri(_identity.BaseAddress, ".well-known/jwks")), Is.EqualTo(jwksBefore), "the same signing key");
        Assert.That(await FlagsStatusAsync(tokens.GetProperty("access_token").GetString()!), Is.EqualTo(HttpStatusCode.OK));
        using var refreshed = await portal.RefreshAsync(_http, tokens.GetProperty("refresh_token").GetString()!);
        var renewed = await JsonAsync(refreshed);
        Assert.That(refreshed.StatusCode, Is.EqualTo(HttpStatusCode.OK), renewed.ToString());
        Assert.That(await FlagsStatusAsync(renewed.GetProperty("access_token").GetString()!), Is.EqualTo(HttpStatusCode.OK),
            "Risk, which fetched the keys before the restart, validates a token signed after it");
    }

    /// <summary>A new account signed in through the portal's flow, with the tokens the portal got.</summary>
    private async Task<(CreatedAccount Account, OidcClient Portal, JsonElement Tokens)> SignedInAsync(string email, string password, string role)
    {
        var account = await IdentityAccounts.CreateWithPasswordAsync(_identity, email, password, [role]);
        var portal = Portal();
        using var browser = new Browser(_identity.BaseAddress);
        return (account, portal, await JsonAsync(await portal.RedeemAsync(_http, await browser.SignInForCodeAsync(portal, account.Email, password))));
    }

    // Identity redirects within itself with relative locations.
    private static string? PathOf(Uri? location) =>
        location is null ? null : location.IsAbsoluteUri ? location.AbsolutePath : location.OriginalString.Split('?')[0];

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

/// <summary>RFC 6238 time-based one-time passwords (SHA-1, 30 s, 6 digits), as an authenticator app computes them.</summary>
internal static class Totp
{
    public static string Now(string base32Key) => At(base32Key, DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30);

    /// <summary>A code no nearby time step gives.</summary>
    public static string Wrong(string base32Key)
    {
        var step = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;
        var near = Enumerable.Range(-3, 7).Select(d => At(base32Key, step + d)).ToHashSet();
        return Enumerable.Range(0, 1_000_000).Select(n => n.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).First(c => !near.Contains(c));
    }

    private static string At(string base32Key, long step)
    {
        var counter = BitConverter.GetBytes(step);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(counter);
        }
        var hash = System.Security.Cryptography.HMACSHA1.HashData(Base32(base32Key), counter);
        var offset = hash[^1] & 0x0F;
        var binary = ((hash[offset] & 0x7F) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] Base32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text.TrimEnd('='))
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return [.. bytes];
    }
}
