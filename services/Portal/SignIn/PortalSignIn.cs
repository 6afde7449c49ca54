using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Traceability.Hosting;

namespace Traceability.Portal.SignIn;

/// <summary>
/// People sign in at the platform's OpenID Connect provider (authorization code + PKCE, as the confidential
/// client <c>portal</c>); the portal keeps their tokens in its own encrypted, HttpOnly session cookie and calls
/// the APIs from the server. The browser never holds a token it could leak to a script.
/// </summary>
internal static class PortalSignIn
{
    /// <summary>The scopes the portal asks for: <c>api</c> puts the platform's audience into the access token.</summary>
    public static readonly string[] Scopes = ["openid", "profile", "roles", "offline_access", "api"];

    public static void AddPortalSignIn(this WebApplicationBuilder builder, PortalOptions portal)
    {
        var auth = builder.Configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        builder.Services.AddSingleton<TokenRefresh>();
        // The hosting library registers JwtBearer as the default for APIs; people using the portal have a cookie instead.
        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
                options.DefaultSignOutScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(options =>
            {
                options.Cookie.Name = "traceability.portal";
                options.Cookie.HttpOnly = true;
                // Secure whenever the portal is reached over TLS (behind a proxy: with forwarded headers).
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                // Lax: the cookie goes with top-level navigation back from the provider, never with cross-site posts.
                options.Cookie.SameSite = SameSiteMode.Lax;
                // An absolute lifetime: a session ends after SessionLifetime whatever the user does meanwhile.
                options.ExpireTimeSpan = portal.SessionLifetime;
                options.SlidingExpiration = false;
                options.AccessDeniedPath = "/forbidden";
                options.Events.OnValidatePrincipal = context => context.HttpContext.RequestServices.GetRequiredService<TokenRefresh>().ValidateAsync(context);
            })
            .AddOpenIdConnect(options =>
            {
                options.Authority = auth.Authority;
                options.RequireHttpsMetadata = auth.RequireHttpsMetadata;
                options.ClientId = portal.ClientId;
                options.ClientSecret = portal.ClientSecret;
                options.ResponseType = OpenIdConnectResponseType.Code;
                options.UsePkce = true;
                // Query, not form_post: the answer is a top-level GET, so the correlation and nonce cookies can be
                // SameSite=Lax and work over plain HTTP on loopback as well as over TLS.
                options.ResponseMode = OpenIdConnectResponseMode.Query;
                options.CorrelationCookie.SameSite = SameSiteMode.Lax;
                options.NonceCookie.SameSite = SameSiteMode.Lax;
                options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.Scope.Clear();
                foreach (var scope in Scopes)
                {
                    options.Scope.Add(scope);
                }
                // Tokens go into the (encrypted, HttpOnly) session cookie's properties: the server calls the APIs with them.
                options.SaveTokens = true;
                options.MapInboundClaims = false;
                options.TokenValidationParameters.NameClaimType = "name";
                options.TokenValidationParameters.RoleClaimType = PlatformClaims.Role;
                options.Events.OnTokenValidated = context =>
                {
                    AddAccessTokenClaims(context.Principal!, context.TokenEndpointResponse?.AccessToken);
                    return Task.CompletedTask;
                };
            });
    }

    /// <summary>
    /// The roles and auditor id the APIs will see are the access token's: the portal shows and hides actions by the
    /// same claims, whatever the provider chose to put into the identity token.
    /// </summary>
    private static void AddAccessTokenClaims(ClaimsPrincipal principal, string? accessToken)
    {
        if (principal.Identity is not ClaimsIdentity identity || string.IsNullOrEmpty(accessToken))
        {
            return;
        }
        var token = new JsonWebToken(accessToken);
        foreach (var claim in token.Claims.Where(c => c.Type is PlatformClaims.Role or PlatformClaims.AuditorId or "email"))
        {
            if (!identity.HasClaim(claim.Type, claim.Value))
            {
                identity.AddClaim(new Claim(claim.Type, claim.Value));
            }
        }
        if (identity.FindFirst("name") is null)
        {
            var name = token.Claims.FirstOrDefault(c => c.Type is "name" or "email" or PlatformClaims.Subject)?.Value;
            if (name is not null)
            {
                identity.AddClaim(new Claim("name", name));
            }
        }
    }

    /// <summary>The signed-in user's access token, for a call to an API on their behalf.</summary>
    public static Task<string?> AccessTokenAsync(this HttpContext http) => http.GetTokenAsync("access_token");
}
