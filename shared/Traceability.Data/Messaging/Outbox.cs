using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Traceability.Contracts;

namespace Traceability.Data.Messaging;

/// <summary>Writes outgoing messages into the service's outbox table, inside the caller's transaction.</summary>
internal sealed class Outbox(string schema)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _insert = MessagingSql.InsertOutboxMessage(schema);

    private readonly ConcurrentDictionary<(string Table, string KeyColumn), string> _insertIfExists = new();

    public void Add<T>(DataTransaction data, T message) where T : class, IMessage => data.Defer(_insert, Row(message));

    public void AddIfExists<T>(DataTransaction data, T message, string table, string keyColumn, Guid key) where T : class, IMessage
    {
        var row = Row(message);
        data.Defer(_insertIfExists.GetOrAdd((table, keyColumn), k => MessagingSql.InsertOutboxMessageIfExists(schema, k.Table, k.KeyColumn)),
            new OutboxInsertIfExists(row.MessageId, row.MessageType, row.Body, row.TraceParent, row.CreatedAt, key));
    }

    private static OutboxInsert Row<T>(T message) where T : class, IMessage => new(
        message.EventId, TypeName(typeof(T)), JsonSerializer.Serialize(message, Json), Activity.Current?.Id, DateTime.UtcNow);

    private sealed record OutboxInsert(Guid MessageId, string MessageType, string Body, string? TraceParent, DateTime CreatedAt);

    private sealed record OutboxInsertIfExists(Guid MessageId, string MessageType, string Body, string? TraceParent, DateTime CreatedAt, Guid Key);

    /// <summary>"Namespace.Type, Assembly": enough to find the contract type again, stable across versions.</summary>
    internal static string TypeName(Type type) => TypeNames.GetOrAdd(type, static t => $"{t.FullName}, {t.Assembly.GetName().Name}");

    /// <summary>The contract type an outbox row names (null when no loaded assembly has it), looked up once per name.</summary>
    internal static Type? TypeOf(string typeName) => Types.GetOrAdd(typeName, static name => Type.GetType(name, throwOnError: false));

    // Once per message type, not once per message: the assembly's name is built anew on every call, and the reverse lookup parses the name.
    private static readonly ConcurrentDictionary<Type, string> TypeNames = new();
    private static readonly ConcurrentDictionary<string, Type?> Types = new(StringComparer.Ordinal);
}
