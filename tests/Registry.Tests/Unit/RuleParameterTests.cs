using System.Text.Json;
using Registry.Core.Common;
using Registry.Core.Features;

namespace Registry.Tests.Unit;

public sealed class RuleParameterTests
{
    private static Dictionary<string, JsonElement> P(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Theory]
    [InlineData(RuleType.Range, """{"min": 0, "max": 100}""", DataType.Float)]
    [InlineData(RuleType.Range, """{"min": 0}""", DataType.Integer)]
    [InlineData(RuleType.Range, """{"min": 5, "max": 5}""", DataType.Float)]
    [InlineData(RuleType.NullCheck, """{}""", DataType.String)]
    [InlineData(RuleType.NullCheck, """{"max_null_ratio": 0.05}""", DataType.Float)]
    [InlineData(RuleType.Outlier, """{"z_score_threshold": 3}""", DataType.Float)]
    [InlineData(RuleType.AllowedValues, """{"values": ["buy", "sell"]}""", DataType.String)]
    [InlineData(RuleType.Regex, """{"pattern": "^[A-Z]{3}$"}""", DataType.String)]
    public void Valid_parameters_pass(RuleType type, string json, DataType dataType) =>
        Assert.Empty(RuleParameters.Check(type, P(json), dataType));

    [Theory]
    [InlineData(RuleType.Range, """{"min": 101, "max": 100}""", DataType.Float, "less than or equal")]
    [InlineData(RuleType.Range, """{"min": "0"}""", DataType.Float, "must be a number")]
    [InlineData(RuleType.Range, """{"minimum": 0}""", DataType.Float, "Unknown parameter 'minimum'")]
    [InlineData(RuleType.Range, """{"min": 0}""", DataType.Boolean, "only to float or integer")]
    [InlineData(RuleType.Outlier, """{"z_score_threshold": 0}""", DataType.Float, "positive")]
    [InlineData(RuleType.Outlier, """{}""", DataType.Float, "needs z_score_threshold")]
    [InlineData(RuleType.NullCheck, """{"max_null_ratio": -0.1}""", DataType.Float, "between 0 and 1")]
    [InlineData(RuleType.AllowedValues, """{"values": "buy"}""", DataType.String, "non-empty array")]
    [InlineData(RuleType.Regex, """{"pattern": "[a-"}""", DataType.String, "not a valid regular expression")]
    [InlineData(RuleType.Regex, """{"pattern": "x"}""", DataType.Float, "only to string")]
    public void Invalid_parameters_are_explained(RuleType type, string json, DataType dataType, string message) =>
        Assert.Contains(RuleParameters.Check(type, P(json), dataType), e => e.Contains(message, StringComparison.Ordinal));

    [Theory]
    [InlineData("abc", true)]
    [InlineData("stock_rsi_14d", true)]
    [InlineData("1d_return", true)]
    [InlineData("ab", false)]
    [InlineData("Stock", false)]
    [InlineData("a-b-c", false)]
    [InlineData("rsi; drop", false)]
    public void Feature_names(string name, bool valid) => Assert.Equal(valid, Identifiers.IsFeatureName(name));

    [Theory]
    [InlineData("features.stock_rsi_14d", true)]
    [InlineData("_s.T1", true)]
    [InlineData("stock_rsi", false)]
    [InlineData("a.b.c", false)]
    [InlineData("features.\"x\"", false)]
    [InlineData("features.x;drop table y", false)]
    [InlineData("1features.x", false)]
    public void Qualified_relation_names(string name, bool valid) => Assert.Equal(valid, Identifiers.IsQualifiedName(name));

    [Theory]
    [InlineData("ValidationRules[0].Parameters", "validation_rules[0].parameters")]
    [InlineData("FeatureName", "feature_name")]
    [InlineData("Transformation.TransformationType", "transformation.transformation_type")]
    public void Validator_paths_become_wire_names(string path, string expected) => Assert.Equal(expected, SnakeCase.Path(path));
}
