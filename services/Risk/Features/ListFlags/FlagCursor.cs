using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Features.ListFlags;

/// <summary>
/// Where the next page of a flag list starts (keyset paging): the sort keys of the last flag of a page, for the order it was
/// listed in and the filters it was listed with. It is opaque to callers (base64url); <see cref="TryRead"/> refuses one that
/// was cut, changed by hand, or made for another order or other filters (its checksum covers all of them). The checksum is not
/// a signature and need not be one: a cursor only says where to start, every page is scoped to its caller afresh.
/// </summary>
internal sealed record FlagCursor(FlagOrder Order, int SeverityRank, bool Resolved, DateTime? Due, DateTime RaisedAt, Guid Id)
{
    private const byte Format = 1;
    private const int Length = 1 + 1 + 8 + 1 + 1 + 8 + 8 + 16 + 8;

    /// <summary>The cursor after <paramref name="flag"/>, the last of a page listed in <paramref name="order"/>.</summary>
    public static FlagCursor After(FlagRow flag, FlagOrder order) =>
        new(order, FlagOrders.SeverityRankOf(flag.Severity), flag.Status == FlagStatus.Resolved, FlagOrders.DueOf(flag), Utc(flag.RaisedAt), flag.Id);

    /// <summary>The cursor as callers pass it back; <paramref name="filters"/> names the filters of the list it belongs to.</summary>
    public string Write(string filters)
    {
        var bytes = new byte[Length];
        var span = bytes.AsSpan();
        span[0] = Format;
        span[1] = (byte)Order;
        BinaryPrimitives.WriteInt64BigEndian(span[2..], FiltersHash(filters));
        span[10] = (byte)SeverityRank;
        span[11] = Resolved ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64BigEndian(span[12..], Due?.Ticks ?? -1);
        BinaryPrimitives.WriteInt64BigEndian(span[20..], RaisedAt.Ticks);
        Id.TryWriteBytes(span[28..44]);
        Checksum(span[..44]).CopyTo(span[44..]);
        return WebEncoders.Base64UrlEncode(bytes);
    }

    /// <summary>Reads a cursor back: null when it is not one this list wrote (garbled, changed, another order or other filters).</summary>
    public static FlagCursor? TryRead(string text, FlagOrder order, string filters)
    {
        byte[] bytes;
        try
        {
            bytes = WebEncoders.Base64UrlDecode(text);
        }
        catch (FormatException)
        {
            return null;
        }
        var span = bytes.AsSpan();
        if (bytes.Length != Length || span[0] != Format || !CryptographicOperations.FixedTimeEquals(Checksum(span[..44]), span[44..])
            || span[1] != (byte)order || BinaryPrimitives.ReadInt64BigEndian(span[2..]) != FiltersHash(filters))
        {
            return null;
        }
        var due = BinaryPrimitives.ReadInt64BigEndian(span[12..]);
        var raised = BinaryPrimitives.ReadInt64BigEndian(span[20..]);
        if (span[10] is < 1 or > 4 || span[11] > 1 || raised is < 0 || raised > DateTime.MaxValue.Ticks || due < -1 || due > DateTime.MaxValue.Ticks)
        {
            return null;
        }
        return new FlagCursor(order, span[10], span[11] == 1, due < 0 ? null : new DateTime(due, DateTimeKind.Utc), new DateTime(raised, DateTimeKind.Utc),
            new Guid(span[28..44]));
    }

    /// <summary>The statement parameters of the keyset condition (<see cref="FlagOrders.After"/>).</summary>
    public object Parameters => new
    {
        AfterRank = SeverityRank, AfterResolved = Resolved ? 1 : 0, AfterDue = Due ?? FlagOrders.NoDue(Order), AfterRaisedAt = RaisedAt, AfterId = Id,
    };

    private static long FiltersHash(string filters) => BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(filters)));

    private static byte[] Checksum(ReadOnlySpan<byte> content) => SHA256.HashData(content)[..8];

    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);
}
