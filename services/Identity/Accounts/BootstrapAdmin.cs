using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Traceability.Hosting;

namespace Traceability.Identity.Accounts;

/// <summary>The platform admin's credential (configuration <c>Admin:ApiKey</c>, the same one Provenance takes).</summary>
public sealed class BootstrapAdminOptions : AuthenticationSchemeOptions
{
    /// <summary>At least 32 characters; without it only admin tokens open the admin API.</summary>
    public string ApiKey { get; set; } = "";
}

/// <summary>
/// <c>Authorization: Bearer &lt;Admin:ApiKey&gt;</c> counts as an admin on Identity's admin API, so that the
/// first accounts can be made before anyone can sign in. Compared in constant time; anything else is left
/// to the token handler.
/// </summary>
internal sealed class BootstrapAdmin(IOptionsMonitor<BootstrapAdminOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<BootstrapAdminOptions>(options, logger, encoder)
{
    public const string SchemeName = "BootstrapAdmin";
    public const string Subject = "bootstrap-admin";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        var configured = Options.ApiKey;
        if (configured.Length < 32 || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var given = header["Bearer ".Length..].Trim();
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(configured))))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var identity = new ClaimsIdentity([new Claim(PlatformClaims.Subject, Subject), new Claim(PlatformClaims.Role, Roles.Admin)], SchemeName,
            PlatformClaims.Subject, PlatformClaims.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    // The token handler answers the challenge (401 with WWW-Authenticate: Bearer); this scheme adds nothing to it.
    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Task.CompletedTask;

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => Task.CompletedTask;

    /// <summary>The admin API admits an admin token from the platform's authority, or the bootstrap credential.</summary>
    public static TBuilder RequireAdmin<TBuilder>(TBuilder endpoints) where TBuilder : IEndpointConventionBuilder =>
        endpoints.RequireAuthorization(policy => policy
            .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme, SchemeName)
            .RequireAuthenticatedUser()
            .RequireRole(Roles.Admin));
}
