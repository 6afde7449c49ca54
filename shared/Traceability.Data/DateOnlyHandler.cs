using System.Data;
using System.Runtime.CompilerServices;
using Dapper;

namespace Traceability.Data;

/// <summary>
/// Dates without time: Npgsql reads a <c>date</c> column as <see cref="DateOnly"/>, SqlClient as
/// <see cref="DateTime"/>. One handler makes both read and write <see cref="DateOnly"/>.
/// </summary>
internal sealed class DateOnlyHandler : SqlMapper.TypeHandler<DateOnly>
{
    public override void SetValue(IDbDataParameter parameter, DateOnly value)
    {
        parameter.DbType = DbType.Date;
        parameter.Value = value.ToDateTime(TimeOnly.MinValue);
    }

    public override DateOnly Parse(object value) => value switch
    {
        DateOnly date => date,
        DateTime dateTime => DateOnly.FromDateTime(dateTime),
        _ => throw new DataException($"Cannot read a {value.GetType().Name} as a date."),
    };

#pragma warning disable CA2255 // The handler must be in place before any Dapper call of any service.
    [ModuleInitializer]
    internal static void Register() => SqlMapper.AddTypeHandler(new DateOnlyHandler());
#pragma warning restore CA2255
}
