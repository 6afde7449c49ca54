using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Traceability.Hosting;

/// <summary>
/// Where the platform's access tokens come from (configuration section <c>Auth</c>): the bundled Identity
/// service by default, or any OpenID Connect provider (Entra ID, Keycloak, Okta...) by setting
/// <c>Auth__Authority</c> and <c>Auth__Audience</c>.
/// </summary>
public sealed class AuthOptions
{
    /// <summary>The issuer whose discovery document and signing keys validate tokens.</summary>
    public string Authority { get; set; } = "http://127.0.0.1:5105/";

    /// <summary>The audience every access token must name.</summary>
    public string Audience { get; set; } = "traceability";

    /// <summary>Off only for an authority on loopback or inside the cluster network.</summary>
    public bool RequireHttpsMetadata { get; set; }

    /// <summary>How far the clocks of the issuer and this service may drift apart.</summary>
    public int ClockSkewSeconds { get; set; } = 30;
}

/// <summary>
/// Bearer tokens (JWT access tokens) on every service, validated with the standard JwtBearer handler
/// against <see cref="AuthOptions.Authority"/>; endpoints name the roles they admit with
/// <see cref="RequireRoles{TBuilder}"/>.
/// </summary>
public static class PlatformAuthentication
{
    /// <summary>Registers JwtBearer validation and authorization (called by <c>AddTraceabilityService</c>).</summary>
    public static void AddPlatformAuthentication(this WebApplicationBuilder builder)
    {
        var auth = builder.Configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        builder.Services.AddSingleton(auth);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.Authority = auth.Authority;
                options.Audience = auth.Audience;
                options.RequireHttpsMetadata = auth.RequireHttpsMetadata;
                // Claims keep their JWT names (sub, role, auditor_id), not the long WS-* URIs.
                options.MapInboundClaims = false;
                options.TokenValidationParameters.NameClaimType = PlatformClaims.Subject;
                options.TokenValidationParameters.RoleClaimType = PlatformClaims.Role;
                options.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(auth.ClockSkewSeconds);
                options.Events = new JwtBearerEvents { OnMessageReceived = SkipCredentialsThatAreNotTokens };
            });
        builder.Services.AddAuthorization();
    }

    /// <summary>
    /// Exporters' API keys and the admin key travel as bearer credentials too, on every request of the ingest path,
    /// and none of them can be a JWT (a signed one has two dots, an encrypted one four). Leaving them unauthenticated
    /// here, as no credential at all would be, spares each such request the token handler's parse, its failure
    /// (an exception built and logged) and the authority's metadata lookup; the endpoints that take them verify
    /// them, and an endpoint that needs a token still answers 401.
    /// </summary>
    private static Task SkipCredentialsThatAreNotTokens(MessageReceivedContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && !authorization.AsSpan("Bearer ".Length).Contains('.'))
        {
            context.NoResult();
        }
        return Task.CompletedTask;
    }

    /// <summary>The endpoint (or group) admits a valid token carrying at least one of <paramref name="roles"/>.</summary>
    public static TBuilder RequireRoles<TBuilder>(this TBuilder endpoints, params string[] roles) where TBuilder : IEndpointConventionBuilder =>
        endpoints.RequireAuthorization(policy => policy
            .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .RequireRole(roles));

    /// <summary>The auditor registry id in the token, or null for users who are not auditors.</summary>
    public static string? AuditorId(this ClaimsPrincipal user) => user.FindFirst(PlatformClaims.AuditorId)?.Value;

    /// <summary>The token's subject.</summary>
    public static string? Subject(this ClaimsPrincipal user) => user.FindFirst(PlatformClaims.Subject)?.Value;
}
