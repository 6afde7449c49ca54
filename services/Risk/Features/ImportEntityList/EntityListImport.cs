using System.Globalization;
using Traceability.Risk.Rules.Uflpa;

namespace Traceability.Risk.Features.ImportEntityList;

/// <summary>What an import changed, by entity name.</summary>
public sealed record EntityListChanges
{
    /// <summary>Entities new to the list (or newly confirmed from the official list, for hand-compiled ones).</summary>
    public required IReadOnlyList<string> Added { get; init; }

    /// <summary>Entities the list had that the official list now shows with another date, section or aliases.</summary>
    public required IReadOnlyList<string> Changed { get; init; }

    /// <summary>Entities gone from the official list: kept, marked removed from the as-of day.</summary>
    public required IReadOnlyList<string> Removed { get; init; }

    /// <summary>Removed entities listed again.</summary>
    public required IReadOnlyList<string> Relisted { get; init; }

    /// <summary>Hand-compiled entries no official entity matched: dropped, since nothing says they were ever listed under that name.</summary>
    public required IReadOnlyList<string> HandCompiledNotFound { get; init; }

    /// <summary>Entities as they were.</summary>
    public required int Unchanged { get; init; }
}

/// <summary>
/// Lays DHS's current list over the dated list Risk keeps. Entities are compared by the name as the matcher reads it
/// (<see cref="UflpaEntity.Key"/>): the official list's name, aliases, section and effective date win; an entity the
/// official list no longer shows is kept with <see cref="UflpaEntity.Removed"/> set to the as-of day (so shipments and
/// facilities are matched against it only for the days it was listed); hand-compiled entries are replaced by the official
/// ones. DHS publishes no removals, only the list as it stands: a removal is an absence, so an incompletely saved page
/// would look like removals, and removals are refused unless the operator confirms them.
/// </summary>
public static class EntityListImport
{
    /// <summary>The <see cref="UflpaEntity.Source"/> of entries not imported from DHS (the shipped subset).</summary>
    public const string HandCompiled = "hand-compiled";

    /// <summary>The new list and what changed; a <see cref="FormatException"/> when the page cannot be the list as of <paramref name="asOf"/> or removes entities unconfirmed.</summary>
    public static (UflpaEntityList List, EntityListChanges Changes) Merge(UflpaEntityList current, OfficialEntityList official, DateOnly asOf, bool confirmRemovals)
    {
        var later = official.Entities.Where(e => e.Effective > asOf).Select(e => $"'{e.Name}' ({e.Effective:yyyy-MM-dd})").ToList();
        if (later.Count > 0)
        {
            throw new FormatException($"The page lists entities effective after the as-of day {asOf:yyyy-MM-dd}: {string.Join(", ", later)}. Give the day the page was saved.");
        }
        var source = $"DHS UFLPA Entity List as of {asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";
        // One entity a name: an entity DHS lists under two sections is one entity, listed from the earlier date.
        var incoming = new Dictionary<string, UflpaEntity>(StringComparer.Ordinal);
        foreach (var entity in official.Entities)
        {
            var next = new UflpaEntity(entity.Name, entity.Aliases, entity.Effective, entity.Section) { Source = entity.FederalRegister ?? source };
            incoming[next.Key] = incoming.TryGetValue(next.Key, out var seen)
                ? seen with
                {
                    Aliases = [.. seen.Aliases.Union(next.Aliases, StringComparer.OrdinalIgnoreCase)],
                    Added = seen.Added < next.Added ? seen.Added : next.Added,
                    Basis = seen.Basis.Contains(next.Basis, StringComparison.Ordinal) ? seen.Basis : $"{seen.Basis}; {next.Basis}",
                }
                : next;
        }
        List<string> added = [], changed = [], removed = [], relisted = [], handCompiledNotFound = [];
        var unchanged = 0;
        var list = new List<UflpaEntity>();
        foreach (var kept in current.Entities)
        {
            if (kept.Source.StartsWith(HandCompiled, StringComparison.Ordinal))
            {
                if (!incoming.ContainsKey(kept.Key))
                {
                    handCompiledNotFound.Add(kept.Name);
                }
                continue;
            }
            if (!incoming.Remove(kept.Key, out var now))
            {
                if (kept.Removed is null)
                {
                    removed.Add(kept.Name);
                    list.Add(kept with { Removed = asOf });
                }
                else
                {
                    list.Add(kept);
                }
                continue;
            }
            if (kept.Removed is not null)
            {
                relisted.Add(now.Name);
                list.Add(now);
                continue;
            }
            // The source stays the import that first brought the entity in, unless DHS names its notice.
            var merged = now with { Source = now.Source == source ? kept.Source : now.Source };
            if (merged.Name != kept.Name || merged.Added != kept.Added || merged.Basis != kept.Basis || !merged.Aliases.SequenceEqual(kept.Aliases))
            {
                changed.Add(merged.Name);
            }
            else
            {
                unchanged++;
            }
            list.Add(merged);
        }
        foreach (var entity in incoming.Values)
        {
            added.Add(entity.Name);
            list.Add(entity);
        }
        if (removed.Count > 0 && !confirmRemovals)
        {
            throw new FormatException($"The page no longer lists {removed.Count} entit{(removed.Count == 1 ? "y" : "ies")} the list has: {string.Join("; ", removed)}. " +
                "If DHS removed them, run again with --confirm-removals (they stay, matched only before the as-of day); if the page was saved incomplete, save it again.");
        }
        return (new UflpaEntityList(list), new EntityListChanges
        {
            Added = added, Changed = changed, Removed = removed, Relisted = relisted, HandCompiledNotFound = handCompiledNotFound, Unchanged = unchanged,
        });
    }
}
