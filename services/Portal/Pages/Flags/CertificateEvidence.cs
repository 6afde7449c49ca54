namespace Traceability.Portal.Pages.Flags;

/// <summary>
/// A certificate named in a flag's evidence (Risk's <c>certificate:{scheme}:{number}#{sequence}</c>, one entry of the
/// certificate's history), and where the portal shows that certificate with its history.
/// </summary>
public sealed record CertificateEvidence(string Scheme, string Number, int? Sequence)
{
    /// <summary>Reads the part after <c>certificate:</c>; false when it does not name a scheme and a number.</summary>
    public static bool TryParse(string value, out CertificateEvidence certificate)
    {
        certificate = null!;
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }
        // Numbers are the scheme's own and may hold almost anything: the sequence is only what follows the last '#'.
        var rest = value[(colon + 1)..];
        var hash = rest.LastIndexOf('#');
        int? sequence = null;
        if (hash >= 0 && int.TryParse(rest[(hash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            (rest, sequence) = (rest[..hash], parsed);
        }
        if (rest.Length == 0)
        {
            return false;
        }
        certificate = new CertificateEvidence(value[..colon], rest, sequence);
        return true;
    }

    /// <summary>The certificate and its status history on the certifiers' page (certifiers and admins may open it).</summary>
    public string Href => $"/admin/certificates?scheme={Uri.EscapeDataString(Scheme)}&number={Uri.EscapeDataString(Number)}";
}
