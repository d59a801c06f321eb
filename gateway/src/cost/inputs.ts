import {
  getNamedType,
  getNullableType,
  isInputObjectType,
  isLeafType,
  isListType,
  type GraphQLInputType,
  type GraphQLNamedType,
} from 'graphql';
import type { CostPolicy } from './policy';

/**
 * What a value passed as an argument costs: the `@cost` of each input field
 * given, and of each scalar or enum value whose type has one. Most schemas
 * weigh no input at all, so `isWeighted` lets the compiler ignore arguments
 * (and the variables in them) that cannot change a cost.
 */
export class InputCosts {
  private readonly weighted = new Map<GraphQLNamedType, boolean>();

  constructor(private readonly policy: CostPolicy) {}

  /** The `@cost` of an input field, 0 without one. */
  ofInputField(typeName: string, field: string): number {
    return this.policy.inputFieldWeights.get(`${typeName}.${field}`) ?? 0;
  }

  /** Whether any value of this type can cost anything. */
  isWeighted(type: GraphQLInputType): boolean {
    const named = getNamedType(type);
    const known = this.weighted.get(named);
    if (known !== undefined) return known;
    this.weighted.set(named, false); // a recursive input type is settled by its other fields
    let weighted = (this.policy.typeWeights.get(named.name) ?? 0) !== 0;
    if (!weighted && isInputObjectType(named)) {
      weighted = Object.values(named.getFields()).some(
        (field) => this.ofInputField(named.name, field.name) !== 0 || this.isWeighted(field.type),
      );
    }
    this.weighted.set(named, weighted);
    return weighted;
  }

  /**
   * Cost of a runtime value (a variable's) at a position of `type` whose own
   * `@cost` is `ownWeight` (an argument's or input field's): nothing for
   * null or absent, else that weight once plus what the value holds.
   */
  ofValue(value: unknown, type: GraphQLInputType, ownWeight: number): number {
    if (value === null || value === undefined) return 0;
    return ownWeight + this.held(value, type);
  }

  private held(value: unknown, type: GraphQLInputType): number {
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      // Input coercion: a single value where a list is expected is a list of one.
      const items = Array.isArray(value) ? value : [value];
      let cost = 0;
      for (const item of items) cost += this.ofValue(item, nullable.ofType, 0);
      return cost;
    }
    if (isInputObjectType(nullable)) {
      if (typeof value !== 'object') return 0;
      const fields = nullable.getFields();
      let cost = 0;
      for (const [name, field] of Object.entries(value as Record<string, unknown>)) {
        const definition = fields[name];
        if (definition) cost += this.ofValue(field, definition.type, this.ofInputField(nullable.name, name));
      }
      return cost;
    }
    return isLeafType(nullable) ? (this.policy.typeWeights.get(nullable.name) ?? 0) : 0;
  }
}
