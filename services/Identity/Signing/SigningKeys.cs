using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Traceability.Identity.Signing;

/// <summary>
/// The key that signs every token, from configuration, so that tokens (and the keys services fetched from
/// the JWKS) stay valid across restarts and instances. Never the development key OpenIddict can make up:
/// without a key the service refuses to start and says how to give it one.
/// </summary>
internal static class SigningKeys
{
    public static SigningMaterial Load(IdentityServiceOptions options)
    {
        RSA rsa;
        if (!string.IsNullOrWhiteSpace(options.SigningKeyPem))
        {
            rsa = RSA.Create();
            rsa.ImportFromPem(options.SigningKeyPem);
        }
        else if (!string.IsNullOrWhiteSpace(options.SigningKeyFile))
        {
            var path = options.SigningKeyFile;
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"Identity:SigningKeyFile '{path}' does not exist.");
            }
            if (path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
            {
                using var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, options.SigningKeyPassword, X509KeyStorageFlags.EphemeralKeySet);
                rsa = certificate.GetRSAPrivateKey() ?? throw new InvalidOperationException($"The certificate in '{path}' has no RSA private key.");
            }
            else
            {
                rsa = RSA.Create();
                rsa.ImportFromPem(File.ReadAllText(path));
            }
        }
        else
        {
            throw new InvalidOperationException(
                "Identity needs a signing key that survives restarts: set Identity__SigningKeyFile (an RSA private key in PEM, or a .pfx) " +
                "or Identity__SigningKeyPem. `openssl genrsa -out identity-signing-key.pem 3072` makes one; up.sh keeps one in .local/.");
        }
        if (rsa.KeySize < 2048)
        {
            throw new InvalidOperationException($"The signing key has {rsa.KeySize} bits; at least 2048 are required.");
        }
        var signing = new RsaSecurityKey(rsa);
        // The key id is the key's RFC 7638 thumbprint: the same key gets the same kid on every instance and after every restart.
        signing.KeyId = Base64UrlEncoder.Encode(signing.ComputeJwkThumbprint());
        // Authorization codes and refresh tokens are encrypted with a key derived from the signing key, so
        // one configured secret is all an operator keeps; HKDF keeps the two keys independent.
        var encryption = new SymmetricSecurityKey(HKDF.DeriveKey(HashAlgorithmName.SHA256, rsa.ExportPkcs8PrivateKey(), 32,
            info: Encoding.ASCII.GetBytes("traceability-identity-token-encryption")));
        return new SigningMaterial(signing, encryption);
    }
}

internal sealed record SigningMaterial(RsaSecurityKey Signing, SymmetricSecurityKey Encryption);
