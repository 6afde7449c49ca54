using System.Security.Cryptography;
using System.Text;

namespace Traceability.Grievances.Privacy;

/// <summary>
/// Keys for what a worker tells us (configuration section <c>Privacy</c>): AES-256 keys by id, the one
/// new text is written with, and the key of the sender pseudonym. Keys are base64, 32 bytes.
/// </summary>
public sealed class PrivacyOptions
{
    /// <summary>Key id to encrypt with; older ids stay in <see cref="Keys"/> to decrypt what they wrote (rotation).</summary>
    public string CurrentKeyId { get; set; } = "";

    /// <summary>AES-256 keys by id (base64 of 32 bytes).</summary>
    public Dictionary<string, string> Keys { get; set; } = [];

    /// <summary>HMAC-SHA256 key of the sender pseudonym (base64, at least 32 bytes). Changing it unlinks every sender from their history.</summary>
    public string PseudonymKey { get; set; } = "";
}

/// <summary>
/// The only place a phone number or a worker's words become storable: AES-GCM with the current key
/// (the key id travels with the ciphertext, so keys can be rotated while old rows stay readable), and
/// a keyed HMAC pseudonym that links a sender's messages and cases without revealing the number.
/// </summary>
public sealed class PrivacyVault
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly Dictionary<string, byte[]> _keys;
    private readonly string _currentKeyId;
    private readonly byte[] _pseudonymKey;

    /// <summary>Reads and checks the keys; a service without usable keys must not start.</summary>
    public PrivacyVault(PrivacyOptions options)
    {
        _keys = options.Keys.ToDictionary(k => k.Key, k => DecodeKey($"Privacy__Keys__{k.Key}", k.Value), StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(options.CurrentKeyId) || !_keys.ContainsKey(options.CurrentKeyId))
        {
            throw new InvalidOperationException("Privacy__CurrentKeyId must name one of Privacy__Keys__<id> (base64 of 32 random bytes).");
        }
        if (options.CurrentKeyId.Contains(':', StringComparison.Ordinal))
        {
            throw new InvalidOperationException("A Privacy key id cannot contain ':'.");
        }
        _currentKeyId = options.CurrentKeyId;
        _pseudonymKey = DecodeKey("Privacy__PseudonymKey", options.PseudonymKey);
    }

    private static byte[] DecodeKey(string name, string value)
    {
        try
        {
            var key = Convert.FromBase64String(value);
            return key.Length == 32 || (name == "Privacy__PseudonymKey" && key.Length >= 32)
                ? key
                : throw new InvalidOperationException($"{name} must be base64 of 32 random bytes.");
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{name} must be base64 of 32 random bytes.");
        }
    }

    /// <summary>The sender's pseudonym: "p_" and 32 hex digits of HMAC-SHA256 over the E.164 number.</summary>
    public string Pseudonym(string e164) =>
        "p_" + Convert.ToHexStringLower(HMACSHA256.HashData(_pseudonymKey, Encoding.UTF8.GetBytes(e164)))[..32];

    /// <summary>"keyId:base64(nonce ‖ ciphertext ‖ tag)".</summary>
    public string Encrypt(string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_keys[_currentKeyId], TagBytes);
        // The key id is authenticated too: a ciphertext moved under another id does not decrypt.
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), Encoding.UTF8.GetBytes(_currentKeyId));
        return $"{_currentKeyId}:{Convert.ToBase64String(sealedBytes)}";
    }

    /// <summary>Decrypts what <see cref="Encrypt"/> wrote with any configured key.</summary>
    public string Decrypt(string stored)
    {
        var colon = stored.IndexOf(':', StringComparison.Ordinal);
        var keyId = stored[..colon];
        if (!_keys.TryGetValue(keyId, out var key))
        {
            throw new InvalidOperationException($"Privacy key '{keyId}' is not configured: keep retired keys in Privacy__Keys until nothing they wrote is left.");
        }
        var sealedBytes = Convert.FromBase64String(stored[(colon + 1)..]);
        var plain = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), plain,
            Encoding.UTF8.GetBytes(keyId));
        return Encoding.UTF8.GetString(plain);
    }
}
