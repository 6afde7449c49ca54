using Traceability.Contracts.Risk;
using Traceability.Data;

namespace Traceability.Risk.Flags;

/// <summary>
/// A rule's whole judgement of one subject, made again because later evidence arrived (an audit covering a shipment, a
/// receipt of a transformation's inputs, a newer production capacity): <see cref="Signal"/> is what the rule finds now, with
/// every piece of evidence that still counts, or null when nothing does. <see cref="ClearedBy"/> names the evidence that
/// made the difference (<c>audit:…</c>, <c>epcis:…</c>); the history and <see cref="FlagStatusChanged"/> carry it.
/// </summary>
public sealed record FlagJudgement(string RuleId, FlagSubject Subject, FlagSignal? Signal, string ClearedBy);

/// <summary>What becomes of a rule × subject's open flag when the rule judges it again.</summary>
public enum Convergence
{
    /// <summary>Nothing changed that people act on.</summary>
    Keep,

    /// <summary>Nothing counts any more and nobody has worked the flag: the engine withdraws it (resolved, <c>withdrawn</c>).</summary>
    Withdraw,

    /// <summary>
    /// Some or all of its evidence no longer counts, but a person is working the flag (assigned, investigating or escalated),
    /// or something still counts: the history notes what cleared; the status, the assignee and what people wrote stay.
    /// </summary>
    NoteCleared,
}

/// <summary>The engine's side of convergence: in whatever order events arrive, an unworked flag ends as in-order delivery leaves it.</summary>
public static class FlagConvergence
{
    /// <summary>The resolution of a flag the engine withdrew (never a person's: those are confirmed, dismissed, remediated).</summary>
    public const string Withdrawn = "withdrawn";

    /// <summary>The history action of a withdrawal.</summary>
    public const string WithdrawnAction = "withdrawn";

    /// <summary>The history action of a flag judged again whose explanation or scope changed, nothing of its evidence cleared.</summary>
    public const string RejudgedAction = "re-judged";

    /// <summary>The history action of a flag moved from a provisional subject to the one in-order delivery files it under.</summary>
    public const string RekeyedAction = "re-keyed";

    /// <summary>The history action of a flag whose evidence joined the same subject's other open flag.</summary>
    public const string MergedAction = "merged";

    /// <summary>The history action of evidence that stopped counting on a flag that stays.</summary>
    public const string ClearedAction = "evidence-cleared";

    /// <summary>
    /// Withdraw only a flag nobody has touched (still <c>open</c>, not escalated): a person's work is never overwritten, it
    /// gets a history note instead and the person decides.
    /// </summary>
    /// <param name="status">The flag's status.</param>
    /// <param name="escalated">Whether a person escalated it.</param>
    /// <param name="anythingCounts">Whether the rule still finds something.</param>
    /// <param name="cleared">How many pieces of evidence (or reasons) stopped counting.</param>
    public static Convergence Decide(string status, bool escalated, bool anythingCounts, int cleared) =>
        !anythingCounts && status == FlagStatus.Open && !escalated ? Convergence.Withdraw
        : cleared > 0 ? Convergence.NoteCleared
        : Convergence.Keep;
}
