using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Traceability.Data;

namespace Traceability.Portal.KeyRing;

/// <summary>
/// The data-protection key ring in the portal's own schema, so that every instance (two replicas in Kubernetes)
/// reads the session and antiforgery cookies the others wrote, and a restart does not sign everyone out.
/// </summary>
internal sealed class DatabaseKeyRing(Database database, TimeProvider clock) : IXmlRepository
{
    // The data-protection API is synchronous; it reads the ring once and caches it, so blocking here is rare.
    public IReadOnlyCollection<XElement> GetAllElements() =>
        database.QueryAsync<string>(DatabaseKeyRingSql.All, null, CancellationToken.None).GetAwaiter().GetResult()
            .Select(XElement.Parse).ToList();

    public void StoreElement(XElement element, string friendlyName) =>
        database.InTransactionAsync(transaction => transaction.ExecuteAsync(DatabaseKeyRingSql.Store,
            new { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting), StoredAt = clock.GetUtcNow().UtcDateTime }),
            CancellationToken.None).GetAwaiter().GetResult();
}

internal static class DatabaseKeyRingSql
{
    public const string All = """
        SELECT xml FROM portal.data_protection_key ORDER BY stored_at, friendly_name
        """;

    public const string Store = """
        INSERT INTO portal.data_protection_key (friendly_name, xml, stored_at) VALUES (@FriendlyName, @Xml, @StoredAt)
        """;
}
