using System.Text;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Traceability.Identity.Accounts;

/// <summary>A person who signs in: an admin, certifier, auditor or caseworker.</summary>
public sealed class PlatformUser : IdentityUser
{
    /// <summary>For auditors: their record in the Audits service's auditor registry (the token's <c>auditor_id</c>).</summary>
    public string? AuditorId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Set when an admin disabled the account: no sign-in, no token, no refresh from then on.</summary>
    public DateTimeOffset? DisabledAt { get; set; }
}

/// <summary>
/// The one place EF Core is used on the platform: ASP.NET Core Identity's users and roles, OpenIddict's
/// applications, authorizations, scopes and tokens, and the Data Protection keys (antiforgery, sign-in
/// cookies, set-password links), all in schema <c>identity_provider</c> with snake_case names like every other
/// service's tables. The tables come from the plain SQL migrations in infra/sql/&lt;dialect&gt;/identity,
/// never from EF migrations.
/// </summary>
public sealed class IdentityStore(DbContextOptions<IdentityStore> options) : IdentityDbContext<PlatformUser>(options), IDataProtectionKeyContext
{
    /// <summary>Not "identity": IDENTITY is reserved in T-SQL, and the platform's shared SQL names schemas unquoted.</summary>
    public const string Schema = "identity_provider";

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict();
        builder.HasDefaultSchema(Schema);
        builder.Entity<PlatformUser>().Property(u => u.AuditorId).HasMaxLength(64);
        var tables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AspNetUsers"] = "users",
            ["AspNetRoles"] = "roles",
            ["AspNetUserRoles"] = "user_roles",
            ["AspNetUserClaims"] = "user_claims",
            ["AspNetUserLogins"] = "user_logins",
            ["AspNetUserTokens"] = "user_tokens",
            ["AspNetRoleClaims"] = "role_claims",
            ["OpenIddictApplications"] = "openiddict_applications",
            ["OpenIddictAuthorizations"] = "openiddict_authorizations",
            ["OpenIddictScopes"] = "openiddict_scopes",
            ["OpenIddictTokens"] = "openiddict_tokens",
            ["DataProtectionKeys"] = "data_protection_keys",
        };
        foreach (var entity in builder.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            entity.SetTableName(tables.GetValueOrDefault(table, SnakeCase(table)));
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
        // Constraint names once every table has its own name: pk_<table>, fk_<table>_<columns>, ix_<table>_<columns>.
        foreach (var entity in builder.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            entity.FindPrimaryKey()?.SetName($"pk_{table}");
            foreach (var foreignKey in entity.GetForeignKeys())
            {
                foreignKey.SetConstraintName($"fk_{table}_{string.Join("_", foreignKey.Properties.Select(p => p.GetColumnName()))}");
            }
            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName($"{(index.IsUnique ? "uq" : "ix")}_{table}_{string.Join("_", index.Properties.Select(p => p.GetColumnName()))}");
            }
        }
    }

    /// <summary>PascalCase to snake_case: <c>NormalizedUserName</c> → <c>normalized_user_name</c>.</summary>
    internal static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
                {
                    text.Append('_');
                }
                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }
}
