namespace Traceability.Portal;

/// <summary>The portal's settings (configuration section <c>Portal</c>); the OIDC authority is the platform's <c>Auth__Authority</c>.</summary>
public sealed class PortalOptions
{
    /// <summary>The portal's client id at the OpenID Connect provider.</summary>
    public string ClientId { get; set; } = "portal";

    /// <summary>The portal's client secret (a confidential client: the secret never leaves the server).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>How long a sign-in lasts before the user signs in again, whatever they do meanwhile.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Base addresses of the services whose APIs the portal calls on the user's behalf.</summary>
    public PlatformApis Apis { get; set; } = new();
}

/// <summary>Where each service's API answers.</summary>
public sealed class PlatformApis
{
    /// <summary>Provenance: shipments, facilities, exporters and their keys.</summary>
    public Uri Provenance { get; set; } = new("http://127.0.0.1:5101/");

    /// <summary>Audits: auditors, accreditations, audits, certificates.</summary>
    public Uri Audits { get; set; } = new("http://127.0.0.1:5102/");

    /// <summary>Grievances: caseworkers' cases.</summary>
    public Uri Grievances { get; set; } = new("http://127.0.0.1:5103/");

    /// <summary>Risk: flags, their workflow, risk profiles.</summary>
    public Uri Risk { get; set; } = new("http://127.0.0.1:5104/");

    /// <summary>Identity: users and roles (admins).</summary>
    public Uri Identity { get; set; } = new("http://127.0.0.1:5105/");
}
