using System.Diagnostics;
using System.Text.Json;
using Traceability.Contracts;

namespace Traceability.Data.Messaging;

/// <summary>Writes outgoing messages into the service's outbox table, inside the caller's transaction.</summary>
internal sealed class Outbox(string schema)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _insert = MessagingSql.InsertOutboxMessage(schema);

    public Task AddAsync<T>(DataTransaction data, T message) where T : class, IMessage =>
        data.ExecuteAsync(_insert, new
        {
            MessageId = message.EventId,
            MessageType = TypeName(typeof(T)),
            Body = JsonSerializer.Serialize(message, Json),
            TraceParent = Activity.Current?.Id,
            CreatedAt = DateTime.UtcNow,
        });

    /// <summary>"Namespace.Type, Assembly": enough to find the contract type again, stable across versions.</summary>
    internal static string TypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
