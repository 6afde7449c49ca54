using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;

namespace Traceability.Portal.SignIn;

/// <summary>
/// Keeps a session's access token fresh: access tokens are short (Identity's default is 15 minutes), sessions are not.
/// Shortly before the token expires the portal redeems the refresh token at the provider's token endpoint and keeps the
/// new tokens in the session cookie; when the provider refuses (the account disabled, the refresh token revoked or
/// expired), the session ends and the person signs in again.
/// </summary>
internal sealed class TokenRefresh(IOptionsMonitor<OpenIdConnectOptions> oidc, TimeProvider clock, ILogger<TokenRefresh> logger)
{
    /// <summary>Refresh this long before the access token expires, so that no API call carries an expired one.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(1);

    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var expiresAt = context.Properties.GetTokenValue("expires_at");
        if (expiresAt is null || !DateTimeOffset.TryParse(expiresAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expires)
            || expires - Margin > clock.GetUtcNow())
        {
            return;
        }
        var refreshToken = context.Properties.GetTokenValue("refresh_token");
        var tokens = refreshToken is null ? null : await RedeemAsync(refreshToken, context.HttpContext.RequestAborted);
        if (tokens is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        foreach (var (name, value) in tokens)
        {
            if (!context.Properties.UpdateTokenValue(name, value))
            {
                var all = context.Properties.GetTokens().ToList();
                all.Add(new AuthenticationToken { Name = name, Value = value });
                context.Properties.StoreTokens(all);
            }
        }
        // Written out with the session's own issue and expiry times: renewing the cookie the usual way (ShouldRenew) would
        // restart its lifetime at every refresh, and a session must end SessionLifetime after sign-in whatever happens.
        await context.HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, context.Principal!, context.Properties);
    }

    private async Task<Dictionary<string, string>?> RedeemAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var options = oidc.Get(OpenIdConnectDefaults.AuthenticationScheme);
        try
        {
            var configuration = await options.ConfigurationManager!.GetConfigurationAsync(cancellationToken);
            using var response = await options.Backchannel.PostAsync(configuration.TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["refresh_token"] = refreshToken,
                ["client_id"] = options.ClientId!,
                ["client_secret"] = options.ClientSecret ?? "",
            }), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogInformation("The provider refused to refresh a session's tokens ({Status}): the session ends", (int)response.StatusCode);
                return null;
            }
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var root = json.RootElement;
            var tokens = new Dictionary<string, string> { ["access_token"] = root.GetProperty("access_token").GetString()! };
            if (root.TryGetProperty("refresh_token", out var rotated))
            {
                tokens["refresh_token"] = rotated.GetString()!;
            }
            if (root.TryGetProperty("id_token", out var idToken))
            {
                tokens["id_token"] = idToken.GetString()!;
            }
            var lifetime = root.TryGetProperty("expires_in", out var seconds) ? seconds.GetInt32() : 300;
            tokens["expires_at"] = clock.GetUtcNow().AddSeconds(lifetime).ToString("o", CultureInfo.InvariantCulture);
            return tokens;
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            logger.LogWarning(exception, "Could not refresh a session's tokens: the session ends");
            return null;
        }
    }
}
