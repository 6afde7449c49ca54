using System.Text.Json;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Traceability.Identity.Connect;

/// <summary>The web portal's registration (configuration <c>Clients:Portal</c>).</summary>
public sealed class PortalClientOptions
{
    public string BaseUrl { get; set; } = "http://127.0.0.1:5100";

    /// <summary>The portal's client secret; without one the portal is not registered.</summary>
    public string? Secret { get; set; }
}

/// <summary>A machine client (client credentials), e.g. an audit firm's upload tool (configuration <c>Clients:Machines:&lt;client id&gt;</c>).</summary>
public sealed class MachineClientOptions
{
    public string? Secret { get; set; }
    public string? DisplayName { get; set; }
    public string[] Roles { get; set; } = [];
    public string? AuditorId { get; set; }
}

/// <summary>The clients Identity knows (configuration section <c>Clients</c>).</summary>
public sealed class ClientsOptions
{
    public PortalClientOptions Portal { get; set; } = new();
    public Dictionary<string, MachineClientOptions> Machines { get; set; } = [];
}

/// <summary>
/// Registers the configured clients at start-up, creating or updating each, so that configuration is
/// the one place clients are declared (a changed secret or portal address takes effect on restart).
/// </summary>
internal sealed class ClientRegistrations(IServiceProvider services, ClientsOptions clients, ILogger<ClientRegistrations> logger) : IHostedService
{
    public const string PortalClientId = "portal";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await RegisterAsync(cancellationToken);
                return;
            }
            catch (Exception exception) when (attempt < 5 && exception is not OperationCanceledException)
            {
                // Two instances starting together may both create a client; the second sees it on the next attempt.
                logger.LogWarning("Registering clients failed ({Message}); attempt {Attempt}", exception.Message, attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
        }
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        if (!string.IsNullOrWhiteSpace(clients.Portal.Secret))
        {
            await UpsertAsync(manager, Portal(clients.Portal), cancellationToken);
        }
        else
        {
            logger.LogWarning("Clients:Portal:Secret is not set: the portal cannot sign people in.");
        }
        foreach (var (clientId, machine) in clients.Machines)
        {
            if (string.IsNullOrWhiteSpace(machine.Secret) || machine.Secret.Length < 32)
            {
                throw new InvalidOperationException($"Clients:Machines:{clientId}:Secret must have at least 32 characters.");
            }
            await UpsertAsync(manager, Machine(clientId, machine), cancellationToken);
        }
    }

    private static async Task UpsertAsync(IOpenIddictApplicationManager manager, OpenIddictApplicationDescriptor descriptor, CancellationToken cancellationToken)
    {
        if (await manager.FindByClientIdAsync(descriptor.ClientId!, cancellationToken) is { } existing)
        {
            await manager.UpdateAsync(existing, descriptor, cancellationToken);
        }
        else
        {
            await manager.CreateAsync(descriptor, cancellationToken);
        }
    }

    private static OpenIddictApplicationDescriptor Portal(PortalClientOptions portal)
    {
        var baseUrl = portal.BaseUrl.TrimEnd('/');
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = PortalClientId,
            ClientSecret = portal.Secret,
            ClientType = ClientTypes.Confidential,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = "Traceability portal",
            RedirectUris = { new Uri($"{baseUrl}/signin-oidc") },
            PostLogoutRedirectUris = { new Uri($"{baseUrl}/signout-callback-oidc") },
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Email,
                Permissions.Scopes.Profile,
                Permissions.Scopes.Roles,
                Permissions.Prefixes.Scope + ConnectEndpoints.ApiScope,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        return descriptor;
    }

    private static OpenIddictApplicationDescriptor Machine(string clientId, MachineClientOptions machine)
    {
        var roles = machine.Roles.Where(Hosting.Roles.All.Contains).ToArray();
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = machine.Secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = machine.DisplayName ?? clientId,
            Permissions =
            {
                Permissions.Endpoints.Token,
                Permissions.GrantTypes.ClientCredentials,
                Permissions.Prefixes.Scope + ConnectEndpoints.ApiScope,
            },
        };
        descriptor.Properties[MachineClient.RolesProperty] = JsonSerializer.SerializeToElement(roles);
        if (machine.AuditorId is not null)
        {
            descriptor.Properties[MachineClient.AuditorIdProperty] = JsonSerializer.SerializeToElement(machine.AuditorId);
        }
        return descriptor;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
