namespace Traceability.Identity;

/// <summary>The Identity service's settings (configuration section <c>Identity</c>).</summary>
public sealed class IdentityServiceOptions
{
    /// <summary>
    /// The issuer (<c>iss</c>) and the base of every link this service hands out (set-password links, the
    /// discovery document). Unset: the address each request came to, which is right on one machine.
    /// </summary>
    public string? Issuer { get; set; }

    /// <summary>A PEM file with the RSA private key that signs tokens, or a PKCS#12 certificate (.pfx/.p12).</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>The password of a PKCS#12 <see cref="SigningKeyFile"/>.</summary>
    public string? SigningKeyPassword { get; set; }

    /// <summary>The RSA private key as PEM text (instead of <see cref="SigningKeyFile"/>).</summary>
    public string? SigningKeyPem { get; set; }

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How long a set-password link works (it works once).</summary>
    public TimeSpan SetPasswordLinkLifetime { get; set; } = TimeSpan.FromHours(72);

    /// <summary>Failed sign-ins in a row before the account is locked for <see cref="LockoutDuration"/>.</summary>
    public int MaxFailedSignIns { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Sign-in attempts (form posts) one client address may make per minute; over it, 429.</summary>
    public int SignInAttemptsPerMinute { get; set; } = 30;

    /// <summary>Roles whose users must sign in with a second factor (TOTP): they enrol at their first sign-in.</summary>
    public string[] TwoFactorRoles { get; set; } = [];

    /// <summary>Off only for an issuer on loopback or inside the cluster network (TLS ends at a proxy).</summary>
    public bool RequireHttps { get; set; }
}
