using System.Security.Cryptography;
using System.Text;

namespace Traceability.Provenance.Exporters;

/// <summary>
/// An exporter's API key: <c>trc_&lt;prefix&gt;_&lt;secret&gt;</c>. The prefix (12 characters) finds the
/// stored key; the whole key's SHA-256 is what is stored and compared. Keys carry 190 bits of
/// randomness, so a fast hash is enough: there is nothing to guess.
/// </summary>
internal static class ApiKey
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private const int PrefixLength = 12;
    private const int SecretLength = 32;

    public static (string Key, string Prefix, byte[] Hash) Issue()
    {
        var prefix = RandomNumberGenerator.GetString(Alphabet, PrefixLength);
        var key = $"trc_{prefix}_{RandomNumberGenerator.GetString(Alphabet, SecretLength)}";
        return (key, prefix, Hash(key));
    }

    /// <summary>The lookup prefix of a well-formed key, or null.</summary>
    public static string? PrefixOf(string? key)
    {
        if (key is null || key.Length != 4 + PrefixLength + 1 + SecretLength || !key.StartsWith("trc_", StringComparison.Ordinal) || key[4 + PrefixLength] != '_')
        {
            return null;
        }
        var prefix = key.Substring(4, PrefixLength);
        return prefix.All(Alphabet.Contains) ? prefix : null;
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static bool Matches(string key, byte[] storedHash) => CryptographicOperations.FixedTimeEquals(Hash(key), storedHash);

    /// <summary>The key as the request carries it: <c>Authorization: Bearer …</c> or <c>X-Api-Key</c>.</summary>
    public static string? FromRequest(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization[7..].Trim();
        }
        var header = request.Headers["X-Api-Key"].ToString();
        return header.Length > 0 ? header.Trim() : null;
    }
}
