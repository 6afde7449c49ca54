using System.Net.Mail;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Traceability.Hosting;

namespace Traceability.Identity.Accounts;

/// <summary>A new account: the person's email, their roles and, for auditors, their auditor registry id.</summary>
public sealed record CreateUserRequest(string? Email, IReadOnlyList<string>? Roles, string? AuditorId);

/// <summary>An account as admins see it (never a password or a secret).</summary>
public sealed record UserResponse(string Id, string Email, IReadOnlyList<string> Roles, string? AuditorId, bool Disabled, bool TwoFactorEnabled,
    DateTimeOffset? LockedOutUntil, DateTimeOffset CreatedAt);

/// <summary>A one-time link to set the password, valid until <paramref name="ExpiresAt"/>; <paramref name="Mailed"/>: it was also sent by mail.</summary>
public sealed record SetPasswordLink(Uri Link, DateTimeOffset ExpiresAt, bool Mailed);

/// <summary>A created account and its set-password link.</summary>
public sealed record CreatedUserResponse(UserResponse User, SetPasswordLink SetPassword);

/// <summary>
/// Creating, listing and disabling accounts, and their set-password links: one implementation behind the
/// admin API and the command line. A new account has no password: its person sets one through the link.
/// </summary>
internal sealed class UserAccounts(UserManager<PlatformUser> users, IdentityStore store, IAccountMail mail, IOptions<IdentityServiceOptions> options,
    TimeProvider clock)
{
    public const int MaxEmailLength = 254;
    public const int MaxAuditorIdLength = 64;

    public static bool TryValidate(CreateUserRequest request, out ValidationErrors errors)
    {
        errors = new ValidationErrors();
        if (errors.RequireText("email", request.Email, MaxEmailLength, required: true, "The email") is { } email)
        {
            errors.Require(MailAddress.TryCreate(email, out var address) && address.Address == email && email.Contains('@', StringComparison.Ordinal),
                "email", "The email is an address like name@example.org.");
        }
        if (request.Roles is null || request.Roles.Count == 0)
        {
            errors.Add("roles", $"At least one role: {string.Join(", ", Hosting.Roles.All)}.");
        }
        else
        {
            for (var i = 0; i < request.Roles.Count; i++)
            {
                errors.Require(request.Roles[i] is { } role && Hosting.Roles.All.Contains(role), $"roles[{i}]", $"A role is one of {string.Join(", ", Hosting.Roles.All)}.");
            }
            errors.Require(request.Roles.Distinct().Count() == request.Roles.Count, "roles", "Each role once.");
        }
        if (request.AuditorId is not null)
        {
            errors.Require(request.AuditorId.Length is > 0 and <= MaxAuditorIdLength && request.AuditorId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'),
                "auditorId", $"An auditor id is 1 to {MaxAuditorIdLength} letters, digits, '-', '_' or '.'.");
            errors.Require(request.Roles?.Contains(Hosting.Roles.Auditor) == true, "auditorId", "Only an auditor has an auditor id.");
        }
        return errors.IsEmpty;
    }

    /// <summary>Creates the account (null when the email is taken) and its set-password link.</summary>
    public async Task<CreatedUserResponse?> CreateAsync(CreateUserRequest request, Uri baseUri, CancellationToken cancellationToken)
    {
        var user = new PlatformUser
        {
            UserName = request.Email,
            Email = request.Email,
            EmailConfirmed = true,
            AuditorId = request.AuditorId,
            CreatedAt = clock.GetUtcNow(),
        };
        await using var transaction = await store.Database.BeginTransactionAsync(cancellationToken);
        var created = await users.CreateAsync(user);
        if (!created.Succeeded)
        {
            if (created.Errors.Any(e => e.Code is nameof(IdentityErrorDescriber.DuplicateUserName) or nameof(IdentityErrorDescriber.DuplicateEmail)))
            {
                return null;
            }
            throw new InvalidOperationException("The account was not created: " + string.Join(" ", created.Errors.Select(e => e.Description)));
        }
        var added = await users.AddToRolesAsync(user, request.Roles!);
        if (!added.Succeeded)
        {
            throw new InvalidOperationException("The account's roles were not added: " + string.Join(" ", added.Errors.Select(e => e.Description)));
        }
        await transaction.CommitAsync(cancellationToken);
        var link = await SetPasswordLinkAsync(user, baseUri, cancellationToken);
        return new CreatedUserResponse(await DescribeAsync(user), link);
    }

    public async Task<IReadOnlyList<UserResponse>> ListAsync(CancellationToken cancellationToken)
    {
        var all = await users.Users.OrderBy(u => u.Email).ToListAsync(cancellationToken);
        var list = new List<UserResponse>(all.Count);
        foreach (var user in all)
        {
            list.Add(await DescribeAsync(user));
        }
        return list;
    }

    /// <summary>The account by id or email, or null.</summary>
    public async Task<PlatformUser?> FindAsync(string idOrEmail) =>
        idOrEmail.Contains('@', StringComparison.Ordinal) ? await users.FindByEmailAsync(idOrEmail) : await users.FindByIdAsync(idOrEmail);

    /// <summary>
    /// Disables the account: no sign-in, no new token, no refresh. A new security stamp ends its sign-in
    /// sessions and unused set-password links; access tokens already issued run out within their lifetime.
    /// </summary>
    public async Task<UserResponse?> DisableAsync(string idOrEmail)
    {
        if (await FindAsync(idOrEmail) is not { } user)
        {
            return null;
        }
        user.DisabledAt ??= clock.GetUtcNow();
        await users.UpdateAsync(user);
        await users.UpdateSecurityStampAsync(user);
        return await DescribeAsync(user);
    }

    /// <summary>A new one-time set-password link for the account (null: no such account).</summary>
    public async Task<SetPasswordLink?> ResetPasswordAsync(string idOrEmail, Uri baseUri, CancellationToken cancellationToken) =>
        await FindAsync(idOrEmail) is { } user ? await SetPasswordLinkAsync(user, baseUri, cancellationToken) : null;

    private async Task<SetPasswordLink> SetPasswordLinkAsync(PlatformUser user, Uri baseUri, CancellationToken cancellationToken)
    {
        // Identity's reset token is bound to the security stamp, which changes when the password is set:
        // the link works once, and only until it expires (DataProtectionTokenProviderOptions.TokenLifespan).
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var link = new Uri(baseUri, $"account/set-password?user={Uri.EscapeDataString(user.Id)}&token={Uri.EscapeDataString(token)}");
        var expiresAt = clock.GetUtcNow() + options.Value.SetPasswordLinkLifetime;
        if (mail.Sends)
        {
            await mail.SendSetPasswordLinkAsync(user.Email!, link, expiresAt, cancellationToken);
        }
        return new SetPasswordLink(link, expiresAt, mail.Sends);
    }

    public async Task<UserResponse> DescribeAsync(PlatformUser user)
    {
        var roles = (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal).ToList();
        var lockedOut = user.LockoutEnd is { } end && end > clock.GetUtcNow() ? end : (DateTimeOffset?)null;
        return new UserResponse(user.Id, user.Email!, roles, user.AuditorId, user.DisabledAt is not null, user.TwoFactorEnabled, lockedOut, user.CreatedAt);
    }

    /// <summary>Where links point: the configured issuer, or the given address this request came to.</summary>
    public Uri BaseUri(Uri fallback) => options.Value.Issuer is { Length: > 0 } issuer ? new Uri(issuer.TrimEnd('/') + "/") : fallback;
}
