using Microsoft.Extensions.DependencyInjection;
using Traceability.Contracts;

namespace Traceability.Data.Messaging;

/// <summary>
/// Message types whose outbox rows the relay sends together, as one broker message of a batch type per tenant (e.g.
/// the <c>ShipmentRecorded</c> rows of one claim as one <c>ShipmentsRecorded</c>). Every broker message costs the
/// broker a quorum-queue write, a delivery and an acknowledgement, and its consumer a pass through MassTransit's
/// consume pipeline: with one shipment per request, that per-message cost was a large share of a shipment's.
/// </summary>
/// <remarks>
/// The rows stay one per message in the outbox, each with its own id; the batch carries the messages whole, and a
/// consumer of the batch deduplicates each message by its own <see cref="IMessage.EventId"/> (the transport id the
/// single message would have had), so a batch that is redelivered, or published again grouped otherwise after a
/// crash, has each message's effect once. A row the broker returned once is sent alone from then on, and a batch
/// of one is sent as the message itself. A consumer of a packed type must therefore consume its batch type too.
/// </remarks>
public sealed class OutboxPacking
{
    private readonly Dictionary<Type, Func<string, IReadOnlyList<object>, (object Batch, Type Type)>> _packs = [];

    /// <summary>Relays rows of <typeparamref name="TMessage"/> together as <typeparamref name="TBatch"/>, built by <paramref name="pack"/> (event id, tenant, occurred at, messages).</summary>
    public OutboxPacking Add<TMessage, TBatch>(Func<Guid, string, DateTime, IReadOnlyList<TMessage>, TBatch> pack)
        where TMessage : class, IMessage
        where TBatch : class, IMessage
    {
        _packs[typeof(TMessage)] = (tenant, messages) =>
        {
            var typed = messages.Cast<TMessage>().ToList();
            return (pack(Guid.CreateVersion7(), tenant, typed.Max(m => m.OccurredAt), typed), typeof(TBatch));
        };
        return this;
    }

    internal bool Packs(Type type) => _packs.ContainsKey(type);

    internal (object Batch, Type Type) Pack(Type type, string tenant, IReadOnlyList<object> messages) => _packs[type](tenant, messages);
}

/// <summary>Registers a packed message type (see <see cref="OutboxPacking"/>).</summary>
public static class OutboxPackingServiceCollectionExtensions
{
    /// <summary>The relay sends rows of <typeparamref name="TMessage"/> committed together as one <typeparamref name="TBatch"/> per tenant.</summary>
    public static IServiceCollection AddOutboxPacking<TMessage, TBatch>(this IServiceCollection services, Func<Guid, string, DateTime, IReadOnlyList<TMessage>, TBatch> pack)
        where TMessage : class, IMessage
        where TBatch : class, IMessage =>
        services.Configure<OutboxPacking>(packing => packing.Add(pack));
}
