using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>
/// An OpenID Connect issuer of the test's own, independent of the platform's Identity service: an HTTP
/// server in the test process that answers a discovery document and a JWKS and mints access tokens with
/// a throwaway RSA key. Services pointed at it by <c>Auth__Authority</c> validate its tokens exactly as
/// they would validate those of any other provider ("bring your own OIDC provider").
/// </summary>
internal sealed partial class TestIssuer : IAsyncDisposable
{
    private static readonly Lazy<TestIssuer> SharedIssuer = new(() => Start());

    private readonly WebApplication _server;
    private readonly RsaSecurityKey _key;

    private TestIssuer(WebApplication server, RsaSecurityKey key, string authority)
    {
        _server = server;
        _key = key;
        Authority = authority;
    }

    /// <summary>The issuer every test service trusts unless a test configures another (see <see cref="ServiceProcess"/>).</summary>
    public static TestIssuer Shared => SharedIssuer.Value;

    /// <summary>The issuer URL, with a trailing slash; also the value of the tokens' <c>iss</c>.</summary>
    public string Authority { get; }

    /// <summary>The audience the platform's services expect by default.</summary>
    public const string PlatformAudience = "traceability";

    /// <summary>
    /// Starts an issuer with a fresh key on a free loopback port, or at <paramref name="url"/> (the benchmark's
    /// issuer, whose address the services are given before it starts).
    /// </summary>
    public static TestIssuer Start(string url = "http://127.0.0.1:0")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var server = builder.Build();
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") };
        string Issuer() => server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/";
        server.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer(),
            ["jwks_uri"] = Issuer() + "jwks",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
        }));
        server.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.Rsa.ExportParameters(false)) { KeyId = key.KeyId });
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, use = "sig", kid = jwk.Kid, alg = "RS256", n = jwk.N, e = jwk.E } } });
        });
        server.Start();
        return new TestIssuer(server, key, Issuer());
    }

    /// <summary>
    /// An access token for <paramref name="subject"/> with <paramref name="roles"/> (and, for auditors, their
    /// registry id). The other parameters make the tokens a service must refuse: another audience, an
    /// expired lifetime, or a signature by a key the issuer never published.
    /// </summary>
    public string Mint(string subject, IEnumerable<string> roles, string? auditorId = null, string audience = PlatformAudience,
        TimeSpan? lifetime = null, DateTime? issuedAt = null, SecurityKey? signingKey = null)
    {
        var issued = issuedAt ?? DateTime.UtcNow;
        var claims = new List<Claim> { new(PlatformClaims.Subject, subject) };
        claims.AddRange(roles.Select(role => new Claim(PlatformClaims.Role, role)));
        if (auditorId is not null)
        {
            claims.Add(new Claim(PlatformClaims.AuditorId, auditorId));
        }
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Authority,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = issued,
            NotBefore = issued,
            Expires = issued + (lifetime ?? TimeSpan.FromMinutes(15)),
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(signingKey ?? _key, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();
}
