namespace Registry.Core.Features;

// Serialized snake_case on the wire (technical_indicator, macro_economic), as in the original system.
public enum FeatureType { TechnicalIndicator, Fundamental, Sentiment, MacroEconomic, Derived, Raw }

[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name",
    Justification = "The names are the wire's data types (float, integer, string), as the original system spelt them.")]
public enum DataType { Float, Integer, String, Boolean, Timestamp }

public enum FeatureStatus { Draft, Active, Deprecated, Archived }

public enum TransformationType { Sql, Python, Spark }

/// <summary>What a failing blocking rule does to an ingested batch: strict rejects it whole, permissive writes it and reports.</summary>
public enum ValidationPolicy { Strict, Permissive }

public enum RuleType { Range, NullCheck, Outlier, AllowedValues, Regex }
