using System.Collections.Immutable;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Traceability.Hosting;
using Traceability.Identity.Accounts;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Traceability.Identity.Connect;

/// <summary>
/// The OpenID Connect endpoints OpenIddict hands over once it has checked the protocol (client, redirect
/// URI, PKCE, grant): who the person is at /connect/authorize, which claims a token gets at /connect/token,
/// and signing out at /connect/endsession. Tokens carry <c>sub</c>, one <c>role</c> per role,
/// <c>auditor_id</c> for auditors and <c>email</c>; the <c>api</c> scope puts the platform's audience in.
/// </summary>
internal static class ConnectEndpoints
{
    /// <summary>The scope that makes an access token good for the platform's APIs.</summary>
    public const string ApiScope = "api";

    public static WebApplication MapConnect(this WebApplication app)
    {
        var connect = app.MapGroup("/connect").ExcludeFromDescription();
        connect.MapMethods("/authorize", [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync);
        connect.MapPost("/token", TokenAsync);
        connect.MapMethods("/endsession", [HttpMethods.Get, HttpMethods.Post], EndSessionAsync);
        connect.MapMethods("/userinfo", [HttpMethods.Get, HttpMethods.Post], UserInfoAsync);
        return app;
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext http, UserManager<PlatformUser> users, SignInManager<PlatformUser> signIn,
        IOptions<IdentityServiceOptions> options, AuthOptions auth)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");
        var here = http.Request.PathBase + http.Request.Path + QueryString.Create(http.Request.HasFormContentType
            ? http.Request.Form.Select(f => KeyValuePair.Create(f.Key, f.Value))
            : http.Request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value)));
        var cookie = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = cookie.Succeeded ? await signIn.ValidateSecurityStampAsync(cookie.Principal) : null;
        if (user is null || user.DisabledAt is not null)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "The user is not signed in.");
            }
            return Results.Challenge(new AuthenticationProperties { RedirectUri = here },
                [IdentityConstants.ApplicationScheme]);
        }
        if (!user.TwoFactorEnabled && RequiresTwoFactor(await users.GetRolesAsync(user), options.Value))
        {
            return Results.LocalRedirect($"/account/enroll-two-factor?returnUrl={Uri.EscapeDataString(here)}");
        }
        var identity = await IdentityForAsync(users, user, request.GetScopes(), auth);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> TokenAsync(HttpContext http, UserManager<PlatformUser> users, IOpenIddictApplicationManager applications,
        IOptions<IdentityServiceOptions> options, AuthOptions auth)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");
        if (request.IsClientCredentialsGrantType())
        {
            var application = await applications.FindByClientIdAsync(request.ClientId!) ?? throw new InvalidOperationException("The client is unknown.");
            var client = MachineClient.From(await applications.GetPropertiesAsync(application));
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId);
            identity.SetClaim(Claims.Name, await applications.GetDisplayNameAsync(application) ?? request.ClientId);
            identity.SetClaims(Claims.Role, [.. client.Roles]);
            if (client.AuditorId is not null)
            {
                identity.SetClaim(PlatformClaims.AuditorId, client.AuditorId);
            }
            Scope(identity, request.GetScopes(), auth);
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }
        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            // The principal the code or refresh token was issued for; the account is read again, so a disabled
            // account gets no more tokens and a changed role shows in the next one.
            var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var subject = result.Principal?.GetClaim(Claims.Subject);
            var user = subject is null ? null : await users.FindByIdAsync(subject);
            if (user is null || user.DisabledAt is not null || await users.IsLockedOutAsync(user))
            {
                return Forbid(Errors.InvalidGrant, "The account can no longer sign in.");
            }
            if (!user.TwoFactorEnabled && RequiresTwoFactor(await users.GetRolesAsync(user), options.Value))
            {
                return Forbid(Errors.InvalidGrant, "The account must enrol a second factor first.");
            }
            var identity = await IdentityForAsync(users, user, result.Principal!.GetScopes(), auth);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }
        return Forbid(Errors.UnsupportedGrantType, "The grant type is not supported.");
    }

    private static async Task<IResult> EndSessionAsync(HttpContext http, SignInManager<PlatformUser> signIn)
    {
        await signIn.SignOutAsync();
        // OpenIddict redirects to the client's registered post_logout_redirect_uri when one was given.
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static async Task<IResult> UserInfoAsync(HttpContext http, UserManager<PlatformUser> users)
    {
        var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var subject = result.Principal?.GetClaim(Claims.Subject);
        if (subject is null || await users.FindByIdAsync(subject) is not { DisabledAt: null } user)
        {
            return Results.Challenge(new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The account no longer exists or is disabled.",
            }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }
        var principal = result.Principal!;
        var claims = new Dictionary<string, object?> { [Claims.Subject] = user.Id };
        if (principal.HasScope(Scopes.Email))
        {
            claims[Claims.Email] = user.Email;
        }
        if (principal.HasScope(Scopes.Roles))
        {
            claims[Claims.Role] = (await users.GetRolesAsync(user)).ToArray();
            if (user.AuditorId is not null)
            {
                claims[PlatformClaims.AuditorId] = user.AuditorId;
            }
        }
        return Results.Json(claims);
    }

    private static bool RequiresTwoFactor(IEnumerable<string> roles, IdentityServiceOptions options) => roles.Any(options.TwoFactorRoles.Contains);

    private static async Task<ClaimsIdentity> IdentityForAsync(UserManager<PlatformUser> users, PlatformUser user, ImmutableArray<string> scopes, AuthOptions auth)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id);
        identity.SetClaim(Claims.Email, user.Email);
        identity.SetClaim(Claims.Name, user.Email);
        identity.SetClaims(Claims.Role, [.. await users.GetRolesAsync(user)]);
        if (user.AuditorId is not null)
        {
            identity.SetClaim(PlatformClaims.AuditorId, user.AuditorId);
        }
        Scope(identity, scopes, auth);
        identity.SetDestinations(claim => claim.Type switch
        {
            // The access token has everything the APIs read; the ID token only what the scopes asked for.
            Claims.Subject => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Email or Claims.Name when identity.HasScope(Scopes.Email) || identity.HasScope(Scopes.Profile) => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Role or PlatformClaims.AuditorId when identity.HasScope(Scopes.Roles) => [Destinations.AccessToken, Destinations.IdentityToken],
            _ => [Destinations.AccessToken],
        });
        return identity;
    }

    private static void Scope(ClaimsIdentity identity, ImmutableArray<string> scopes, AuthOptions auth)
    {
        identity.SetScopes(scopes);
        if (scopes.Contains(ApiScope))
        {
            identity.SetResources(auth.Audience);
        }
    }

    private static IResult Forbid(string error, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}

/// <summary>What a machine client's token says about it: its roles and, for an audit firm's tool, the auditor it acts for.</summary>
internal sealed record MachineClient(IReadOnlyList<string> Roles, string? AuditorId)
{
    public const string RolesProperty = "roles";
    public const string AuditorIdProperty = "auditor_id";

    public static MachineClient From(ImmutableDictionary<string, JsonElement> properties) => new(
        properties.TryGetValue(RolesProperty, out var roles) && roles.ValueKind == JsonValueKind.Array
            ? [.. roles.EnumerateArray().Select(r => r.GetString()!).Where(Hosting.Roles.All.Contains)]
            : [],
        properties.TryGetValue(AuditorIdProperty, out var auditor) && auditor.ValueKind == JsonValueKind.String ? auditor.GetString() : null);
}
