using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Traceability.IntegrationTests;

/// <summary>Onboards exporters through Provenance's admin API, as a platform admin would.</summary>
internal static class ProvenanceAdmin
{
    public static HttpRequestMessage Request(HttpMethod method, string path, string? json = null, string? bearer = ServiceProcess.AdminKey)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return request;
    }

    /// <summary>Creates an exporter and returns an API key for it.</summary>
    public static async Task<ExporterKey> OnboardAsync(ServiceProcess provenance, string exporterId)
    {
        using var created = await provenance.Http.SendAsync(Request(HttpMethod.Post, "admin/exporters", $$"""{"id":"{{exporterId}}","name":"{{exporterId}} Ltd"}"""));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        return await IssueKeyAsync(provenance, exporterId);
    }

    public static async Task<ExporterKey> IssueKeyAsync(ServiceProcess provenance, string exporterId)
    {
        using var issued = await provenance.Http.SendAsync(Request(HttpMethod.Post, $"admin/exporters/{exporterId}/keys"));
        Assert.That(issued.StatusCode, Is.EqualTo(HttpStatusCode.Created), await issued.Content.ReadAsStringAsync());
        var key = await issued.Content.ReadFromJsonAsync<JsonElement>();
        return new ExporterKey(exporterId, key.GetProperty("keyId").GetGuid(), key.GetProperty("key").GetString()!);
    }
}

internal sealed record ExporterKey(string ExporterId, Guid KeyId, string Key);
