using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Traceability.Provenance.Chain;

/// <summary>
/// The canonical form of a record for the hash chain: the record as the API answers it, serialised
/// compactly with web (camelCase) naming in declaration order. What is stored must read back to the
/// same bytes, so records normalise their decimals and round their times to microseconds.
/// </summary>
internal static class Canonical
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <summary>The record's canonical JSON.</summary>
    public static string Json(object record) => JsonSerializer.Serialize(record, record.GetType(), Options);

    /// <summary>SHA-256 of canonical JSON, lower-case hex.</summary>
    public static string Hash(string canonicalJson) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)));

    public static string Link(string previousHash, string recordHash) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(previousHash + recordHash)));

    /// <summary>1200.5000m → 1200.5m: the scale a database column adds is not part of the value.</summary>
    public static decimal Normalise(decimal value) => value / 1.000000000000000000000000000000000m;

    /// <summary>Times as both engines keep them: microseconds, UTC.</summary>
    public static DateTime Microseconds(DateTime value) =>
        DateTime.SpecifyKind(new DateTime(value.Ticks - value.Ticks % 10, value.Kind), DateTimeKind.Utc);

    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";
}
