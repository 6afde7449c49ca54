using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;

namespace Traceability.IntegrationTests;

/// <summary>An account made through Identity's admin API, with the one-time link to set its password.</summary>
internal sealed record CreatedAccount(string Id, string Email, Uri SetPasswordLink);

/// <summary>Accounts on a running Identity service, made the way an admin makes them: through the admin API.</summary>
internal static class IdentityAccounts
{
    public static async Task<CreatedAccount> CreateAsync(ServiceProcess identity, string email, string[] roles, string? auditorId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "admin/users")
        {
            Content = JsonContent.Create(new { email, roles, auditorId }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServiceProcess.AdminKey);
        using var response = await identity.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), body);
        using var json = JsonDocument.Parse(body);
        return new CreatedAccount(json.RootElement.GetProperty("user").GetProperty("id").GetString()!, email,
            new Uri(json.RootElement.GetProperty("setPassword").GetProperty("link").GetString()!));
    }

    /// <summary>Creates the account and sets its password through the link, as its person would.</summary>
    public static async Task<CreatedAccount> CreateWithPasswordAsync(ServiceProcess identity, string email, string password, string[] roles, string? auditorId = null)
    {
        var account = await CreateAsync(identity, email, roles, auditorId);
        using var browser = new Browser(identity.BaseAddress);
        using var answer = await browser.SetPasswordAsync(account.SetPasswordLink, password);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), await answer.Content.ReadAsStringAsync());
        return account;
    }
}

/// <summary>
/// A person's browser against Identity's pages: keeps cookies, follows no redirect by itself (the test
/// follows them, so it sees each step), and posts forms with the antiforgery token the page gave it.
/// </summary>
internal sealed partial class Browser : IDisposable
{
    private readonly HttpClient _http;

    public Browser(Uri identity)
    {
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseCookies = true })
        {
            BaseAddress = identity,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public Task<HttpResponseMessage> GetAsync(string uri) => _http.GetAsync(uri);

    public Task<HttpResponseMessage> GetAsync(Uri uri) => _http.GetAsync(uri);

    /// <summary>Fetches the page with the form, then posts the form with <paramref name="fields"/> filled in (its hidden fields kept).</summary>
    public async Task<HttpResponseMessage> SubmitAsync(Uri page, IReadOnlyDictionary<string, string> fields)
    {
        using var get = await _http.GetAsync(page);
        var html = await get.Content.ReadAsStringAsync();
        Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.OK), html);
        return await PostFormAsync(html, fields);
    }

    /// <summary>Posts the form in <paramref name="html"/> with its hidden fields (the antiforgery token among them) and <paramref name="fields"/>.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string html, IReadOnlyDictionary<string, string> fields, bool withAntiforgery = true)
    {
        var action = HttpUtility.HtmlDecode(FormAction().Match(html).Groups[1].Value);
        var values = HiddenInput().Matches(html)
            .Select(m => KeyValuePair.Create(HttpUtility.HtmlDecode(m.Groups[1].Value), HttpUtility.HtmlDecode(m.Groups[2].Value)))
            .Where(f => withAntiforgery || !f.Key.StartsWith("__RequestVerificationToken", StringComparison.Ordinal))
            .ToDictionary();
        foreach (var (name, value) in fields)
        {
            values[name] = value;
        }
        return await _http.PostAsync(action, new FormUrlEncodedContent(values));
    }

    public async Task<HttpResponseMessage> SetPasswordAsync(Uri link, string password) =>
        await SubmitAsync(link, new Dictionary<string, string> { ["password"] = password });

    /// <summary>
    /// The authorization-code flow with PKCE up to the code, as the portal's user goes through it: the
    /// authorize request, the sign-in page, the form, back to authorize, the redirect with the code.
    /// </summary>
    public async Task<string> SignInForCodeAsync(OidcClient client, string email, string password)
    {
        using var authorize = await _http.GetAsync(client.AuthorizeUri());
        Assert.That(authorize.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await authorize.Content.ReadAsStringAsync());
        Assert.That(authorize.Headers.Location!.AbsolutePath, Is.EqualTo("/account/login"));
        using var signedIn = await SubmitAsync(authorize.Headers.Location, new Dictionary<string, string> { ["email"] = email, ["password"] = password });
        Assert.That(signedIn.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await signedIn.Content.ReadAsStringAsync());
        return await CodeAsync(client, signedIn.Headers.Location!);
    }

    /// <summary>Follows the redirect back to authorize and reads the code from the redirect to the client.</summary>
    public async Task<string> CodeAsync(OidcClient client, Uri authorize)
    {
        using var back = await _http.GetAsync(authorize);
        Assert.That(back.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await back.Content.ReadAsStringAsync());
        var redirect = back.Headers.Location!;
        Assert.That(redirect.GetLeftPart(UriPartial.Path), Is.EqualTo(client.RedirectUri.ToString()));
        var query = HttpUtility.ParseQueryString(redirect.Query);
        Assert.That(query["state"], Is.EqualTo(client.State));
        return query["code"] ?? throw new AssertionException($"No code in {redirect}");
    }

    [GeneratedRegex("""<form method="post" action="([^"]*)">""")]
    private static partial Regex FormAction();

    [GeneratedRegex("""<input type="hidden" name="([^"]*)" value="([^"]*)">""")]
    private static partial Regex HiddenInput();

    public void Dispose() => _http.Dispose();
}

/// <summary>The portal's side of the flow: the authorize URL with PKCE, and the token endpoint.</summary>
internal sealed class OidcClient(Uri identity, string clientId, string secret, Uri redirectUri, string scope = "openid profile email roles offline_access api")
{
    public string ClientId { get; } = clientId;
    public Uri RedirectUri { get; } = redirectUri;
    public string State { get; } = Guid.NewGuid().ToString("N");
    public string Verifier { get; } = Base64Url(RandomNumberGenerator.GetBytes(32));

    public string Challenge => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(Verifier)));

    public Uri AuthorizeUri(string? redirectUri = null, string? clientId = null, bool pkce = true) => new(identity,
        "connect/authorize?response_type=code" +
        $"&client_id={Uri.EscapeDataString(clientId ?? ClientId)}" +
        $"&redirect_uri={Uri.EscapeDataString(redirectUri ?? RedirectUri.ToString())}" +
        $"&scope={Uri.EscapeDataString(scope)}&state={State}&nonce={Guid.NewGuid():N}" +
        (pkce ? $"&code_challenge={Challenge}&code_challenge_method=S256" : ""));

    public Task<HttpResponseMessage> RedeemAsync(HttpClient http, string code, string? verifier = null) =>
        http.PostAsync(new Uri(identity, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = RedirectUri.ToString(),
            ["code_verifier"] = verifier ?? Verifier,
            ["client_id"] = ClientId,
            ["client_secret"] = secret,
        }));

    public Task<HttpResponseMessage> RefreshAsync(HttpClient http, string refreshToken) =>
        http.PostAsync(new Uri(identity, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = ClientId,
            ["client_secret"] = secret,
        }));

    public static Task<HttpResponseMessage> ClientCredentialsAsync(HttpClient http, Uri identity, string clientId, string secret, string scope = "api") =>
        http.PostAsync(new Uri(identity, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["scope"] = scope,
        }));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
