using System.Text.Json;

namespace Traceability.IntegrationTests.Grievances;

/// <summary>One X-Twilio-Signature vector from ../shared/reference/twilio-signature-vectors.json.</summary>
internal sealed record TwilioVector(string Url, IReadOnlyList<KeyValuePair<string, string>> Params, string AuthToken, string Signature, bool Valid,
    string Note, string? Body)
{
    /// <summary>The URL without its query: the webhook URL an account is configured with.</summary>
    public string WebhookUrl => Url.Split('?')[0];

    /// <summary>The query string as the gateway sends it ("" or "?...").</summary>
    public string Query => Url.Contains('?', StringComparison.Ordinal) ? Url[Url.IndexOf('?', StringComparison.Ordinal)..] : "";

    public override string ToString() => $"{(Valid ? "valid" : "invalid")}: {Note}";
}

/// <summary>The Twilio vectors, and how a test signs a request as Twilio does.</summary>
internal static class TwilioVectors
{
    public static string File => Path.Combine(Infrastructure.RepositoryRoot, "..", "shared", "reference", "twilio-signature-vectors.json");

    public static IReadOnlyList<TwilioVector> All()
    {
        if (!System.IO.File.Exists(File))
        {
            return [];
        }
        using var document = JsonDocument.Parse(System.IO.File.ReadAllText(File));
        return document.RootElement.EnumerateArray().Select(v => new TwilioVector(
            v.GetProperty("url").GetString()!,
            v.GetProperty("params").EnumerateArray().Select(p => new KeyValuePair<string, string>(p.GetProperty("name").GetString()!, p.GetProperty("value").GetString()!)).ToList(),
            v.GetProperty("authToken").GetString()!,
            v.GetProperty("signature").GetString()!,
            v.GetProperty("valid").GetBoolean(),
            v.GetProperty("note").GetString()!,
            v.TryGetProperty("body", out var body) ? body.GetString() : null)).ToList();
    }

    public static IReadOnlyDictionary<(string Url, string Token), string> Accounts() =>
        All().Select(v => (v.WebhookUrl, v.AuthToken)).Distinct().Select((key, i) => (key, $"v{i}")).ToDictionary(p => p.key, p => p.Item2);

    /// <summary>X-Twilio-Signature as Twilio computes it (the simulator's signer, which is Twilio's algorithm).</summary>
    public static string Sign(string token, string url, IEnumerable<KeyValuePair<string, string>> form) =>
        Traceability.Grievances.Features.Simulator.SimulatedGateway.Signature(token, url, form);
}
