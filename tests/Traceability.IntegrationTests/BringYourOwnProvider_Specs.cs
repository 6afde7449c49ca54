using System.Net;
using System.Net.Http.Headers;
using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>
/// "Bring your own OpenID Connect provider": a service told nothing but <c>Auth__Authority</c> (an issuer
/// the test serves itself, with its own throwaway key and discovery document, standing in for Entra ID,
/// Keycloak or Okta) accepts that issuer's tokens and no one else's. No code of the platform's Identity runs.
/// </summary>
[TestFixture]
[Category("Integration")]
public class When_a_service_is_pointed_at_another_OIDC_provider_by_configuration_alone
{
    [Test]
    public async Task Should_accept_that_providers_tokens_and_refuse_tokens_of_any_other_issuer()
    {
        await using var provider = TestIssuer.Start();
        await using var database = await Infrastructure.CreateDatabaseAsync();
        await using var virtualHost = await Infrastructure.CreateVirtualHostAsync();
        await using var risk = await ServiceProcess.StartAsync("Risk", database, virtualHost, new Dictionary<string, string>
        {
            ["Auth__Authority"] = provider.Authority,
        });

        Assert.Multiple(async () =>
        {
            Assert.That(await FlagsAsync(risk, provider.Mint("entra-user-1", [Roles.Caseworker])), Is.EqualTo(HttpStatusCode.OK),
                "the configured provider's token");
            Assert.That(await FlagsAsync(risk, TestIssuer.Shared.Mint("entra-user-1", [Roles.Caseworker])), Is.EqualTo(HttpStatusCode.Unauthorized),
                "a token of another issuer, with the same claims");
            Assert.That(await FlagsAsync(risk, provider.Mint("entra-user-1", [Roles.Caseworker], audience: "another-api")), Is.EqualTo(HttpStatusCode.Unauthorized),
                "the provider's token for another audience");
        });
    }

    private static async Task<HttpStatusCode> FlagsAsync(ServiceProcess service, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/flags");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await service.Http.SendAsync(request);
        return response.StatusCode;
    }
}
