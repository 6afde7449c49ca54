using System.Net.Http.Headers;

namespace Traceability.IntegrationTests;

/// <summary>Clients of the test's services that carry the issuer's tokens (apart, so that the benchmark can compile the issuer alone).</summary>
internal sealed partial class TestIssuer
{
    /// <summary>An HTTP client for <paramref name="service"/> that sends a token with <paramref name="roles"/>.</summary>
    public HttpClient ClientFor(ServiceProcess service, string subject, string[] roles, string? auditorId = null)
    {
        var client = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Mint(subject, roles, auditorId));
        return client;
    }
}
