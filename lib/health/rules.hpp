#pragma once
// The rules compute() chains, one function each, so every rule can be read (and tested through
// compute()) on its own. Each returns the object's health when the rule decides it, or nothing to
// pass the object on to the next rule.

#include <optional>

#include "health/health.hpp"

namespace steward::health {

// generic.cpp: what every kind shares (kstatus's checkGenericProperties and its fallback).
std::optional<Health> terminating(const rapidjson::Value& object);
std::optional<Health> generation_not_observed(const rapidjson::Value& object);
std::optional<Health> standard_conditions(const rapidjson::Value& object);
Health other_kind(const rapidjson::Value& object, const HealthOptions& options);

// kinds.cpp: the rules of the built-in kinds kstatus knows; nothing for any other kind.
std::optional<Health> kind_rules(const rapidjson::Value& object, const HealthOptions& options);

// Small constructors every rule uses.
Health current(std::string message);
Health in_progress(std::string reason, std::string message);
Health failed(std::string reason, std::string message);

}  // namespace steward::health
